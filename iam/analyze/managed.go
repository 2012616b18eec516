package analyze

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ec2guard/ec2guard/iam/checks"
	"github.com/ec2guard/ec2guard/iam/policy"
)

// ResolveManaged reads the AWS managed policies that subjects hold but the input lacks
// (arn:aws:iam::aws:policy/[PATH/]NAME, attached by ARN in a template) from dir, one
// NAME.json per policy holding its default version's document, and analyses each subject
// with them. What dir lacks stays missing (IAM-POLICY-8). A file that is there but is not
// a valid policy is an error: the analysis would silently be of less than is attached.
func (inv *Inventory) ResolveManaged(dir string) error {
	if dir == "" {
		return nil
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("reading managed policies: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("reading managed policies: %s is not a folder", dir)
	}
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

// readManaged reads one AWS managed policy's document, or nil when dir has none.
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
	file := filepath.Join(dir, name+".json")
	src, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
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
