package analyze

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ec2guard/ec2guard/iam/checks"
	"github.com/ec2guard/ec2guard/iam/managed"
	"github.com/ec2guard/ec2guard/iam/policy"
)

// ResolveManaged reads the AWS managed policies that subjects hold but the input lacks
// (arn:aws:iam::aws:policy/[PATH/]NAME, attached by ARN in a template) and analyses each
// subject with them: from dir when one is given (one NAME.json per policy holding its default
// version's document: a newer policy, or a version pinned by the user), else, or when dir
// lacks it, from the documents embedded in the binary (package managed). What neither has
// stays missing (IAM-POLICY-8). A file that is there but is not a valid policy is an error:
// the analysis would silently be of less than is attached.
func (inv *Inventory) ResolveManaged(dir string) error {
	if dir != "" {
		st, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("reading managed policies: %w", err)
		}
		if !st.IsDir() {
			return fmt.Errorf("reading managed policies: %s is not a folder", dir)
		}
	}
	var err error
	docs := map[string]*policy.Document{} // ARN → document; nil: not in dir
	for _, s := range inv.Subjects {
		var still []checks.MissingPolicy
		for _, m := range s.Missing {
			d, seen := docs[m.ARN]
			if !seen {
				if d, err = readManaged(dir, m.ARN); err != nil {
					return err
				}
				docs[m.ARN] = d
			}
			switch {
			case d == nil:
				still = append(still, m)
			case m.Boundary:
				s.Boundary = append(s.Boundary, d)
			default:
				s.Identity = append(s.Identity, d)
			}
		}
		s.Missing = still
	}
	return nil
}

// readManaged reads one AWS managed policy's document from dir, or else the embedded
// ones; nil when neither has it.
func readManaged(dir, arn string) (*policy.Document, error) {
	const prefix = ":iam::aws:policy/"
	i := strings.Index(arn, prefix)
	if !strings.HasPrefix(arn, "arn:") || i < 0 {
		return nil, nil // a customer managed policy: only its own input has it
	}
	name := arn[strings.LastIndexByte(arn, '/')+1:]
	if name == "" || strings.ContainsAny(name, `\`) || name == "." || name == ".." {
		return nil, nil
	}
	embedded := func() (*policy.Document, error) {
		src, ok := managed.Lookup(arn)
		if !ok {
			return nil, nil
		}
		d, err := policy.Parse("AWS managed policy "+name+" ("+managed.Source()+")", src)
		if err != nil {
			return nil, fmt.Errorf("embedded managed policy %s: %w", arn, err)
		}
		d.Name = arn
		return d, nil
	}
	if dir == "" {
		return embedded()
	}
	file := filepath.Join(dir, name+".json")
	src, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return embedded()
	}
	if err != nil {
		return nil, fmt.Errorf("reading managed policy %s: %w", arn, err)
	}
	d, err := policy.Parse(file, src)
	if err != nil {
		return nil, fmt.Errorf("managed policy %s in %s: %w", arn, file, err)
	}
	d.Name = arn
	return d, nil
}
