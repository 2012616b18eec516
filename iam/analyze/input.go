package analyze

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// Kind is what an input file holds.
type Kind int

// Input kinds, told apart by content (never by name).
const (
	KindPolicy        Kind = iota + 1 // a policy document (also get-policy-version / get-*-policy output)
	KindAuthorization                 // aws iam get-account-authorization-details output
	KindTemplate                      // a CloudFormation template, JSON or YAML
)

func (k Kind) String() string {
	switch k {
	case KindPolicy:
		return "policy"
	case KindAuthorization:
		return "authorization details"
	case KindTemplate:
		return "CloudFormation template"
	}
	return "unknown"
}

// NotAnalysableError reports a file that is none of the inputs iam check reads.
type NotAnalysableError struct{ File string }

func (e *NotAnalysableError) Error() string {
	return fmt.Sprintf("%s: not an IAM input (not a policy document, an authorization details dump or a CloudFormation template)", e.File)
}

// policyKeys are the top-level keys that make a JSON object a policy document, or the
// output of get-policy-version / get-role-policy that wraps one.
var policyKeys = []string{"Version", "Statement", "PolicyVersion", "PolicyDocument"}

// Detect tells what a file holds, or 0 for none of the inputs (an EventBridge event or
// pattern, a rule file, notes). JSON objects are told by their top-level keys: a policy has
// Version or Statement (or is wrapped in PolicyVersion or PolicyDocument). A JSON text that
// does not decode is a (malformed) policy, which IAM-POLICY-4 reports, when it names one of
// the inputs' keys; YAML must be a CloudFormation template.
func Detect(src []byte) Kind {
	t := bytes.TrimLeft(bytes.TrimPrefix(src, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		// Most inputs are plain policies, which start with Version or Statement (every AWS
		// managed policy does): decide those without decoding the text twice.
		if k := firstKey(t); k == "Version" || k == "Statement" {
			if !bytes.Contains(t, []byte("DetailList")) && !bytes.Contains(t, []byte(`"Resources"`)) && !bytes.Contains(t, []byte("AWSTemplateFormatVersion")) {
				return KindPolicy
			}
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(t, &top); err != nil {
			var syntax *json.SyntaxError
			if !errors.As(err, &syntax) && !errors.Is(err, io.ErrUnexpectedEOF) && !bytes.HasPrefix(t, []byte("{")) {
				return 0 // valid JSON, but not an object: an array of events, a string
			}
			// Broken JSON is a broken input when it names an input's keys.
			for _, k := range append([]string{"DetailList", "AWSTemplateFormatVersion", `"Resources"`}, policyKeys...) {
				if bytes.Contains(t, []byte(k)) {
					return KindPolicy
				}
			}
			return 0
		}
		switch {
		case top["UserDetailList"] != nil || top["RoleDetailList"] != nil || top["GroupDetailList"] != nil:
			return KindAuthorization
		case top["AWSTemplateFormatVersion"] != nil || (top["Resources"] != nil && top["Statement"] == nil):
			return KindTemplate
		}
		for _, k := range policyKeys {
			if top[k] != nil {
				return KindPolicy
			}
		}
		return 0
	}
	var top map[string]yaml.Node
	if yaml.Unmarshal(t, &top) == nil {
		if _, ok := top["Resources"]; ok {
			return KindTemplate
		}
		if _, ok := top["AWSTemplateFormatVersion"]; ok {
			return KindTemplate
		}
	}
	return 0
}

// firstKey is the first key of the JSON object t starts with, or "".
func firstKey(t []byte) string {
	dec := json.NewDecoder(bytes.NewReader(t))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return ""
	}
	tok, err := dec.Token()
	if err != nil {
		return ""
	}
	k, _ := tok.(string)
	return k
}

// LoadBytes analyses one input's content; name is its file name for positions. A UTF-8 byte
// order mark (which editors on Windows write) is dropped first: IAM itself never sees one.
func LoadBytes(name string, src []byte) (*Inventory, error) {
	src = bytes.TrimPrefix(src, []byte{0xef, 0xbb, 0xbf})
	switch Detect(src) {
	case KindAuthorization:
		return loadAuthorization(name, src)
	case KindTemplate:
		return loadTemplate(name, src)
	case KindPolicy:
		return loadPolicyFile(name, src), nil
	}
	return nil, &NotAnalysableError{File: name}
}

// loadPolicyFile reads a policy document, or the output of get-policy-version
// ({"PolicyVersion": {"Document": ...}}) or get-role/user/group-policy ({"PolicyDocument": ...}).
func loadPolicyFile(name string, src []byte) *Inventory {
	policyName := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	if !bytes.Contains(src, []byte(`"PolicyVersion"`)) && !bytes.Contains(src, []byte(`"PolicyDocument"`)) {
		d := parseDocument(name, policyName, src)
		return &Inventory{Documents: docs(d), Subjects: subjects(standalone(d))}
	}
	var wrap struct {
		PolicyVersion *struct {
			Document json.RawMessage
		}
		PolicyName     string
		PolicyDocument json.RawMessage
	}
	if json.Unmarshal(src, &wrap) == nil {
		raw := wrap.PolicyDocument
		if wrap.PolicyVersion != nil {
			raw = wrap.PolicyVersion.Document
		}
		if wrap.PolicyName != "" {
			policyName = wrap.PolicyName
		}
		if raw != nil {
			ix := newLocator(name, src)
			d := ix.document(policyName, raw)
			return &Inventory{Documents: docs(d), Subjects: subjects(standalone(d))}
		}
	}
	d := parseDocument(name, policyName, src)
	return &Inventory{Documents: docs(d), Subjects: subjects(standalone(d))}
}

// Load reads files and folders. Folders are walked for .json, .yaml, .yml and .template
// files; a walked file that is none of the inputs is skipped (Inventory.Skipped says why), a
// named one is an error.
func Load(paths []string) (*Inventory, error) {
	inv := &Inventory{}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		if !st.IsDir() {
			one, err := loadFile(p)
			if err != nil {
				return nil, err
			}
			inv.Merge(one)
			continue
		}
		var files []string
		err = filepath.WalkDir(p, func(path string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() {
				if path != p && (strings.HasPrefix(e.Name(), ".") || e.Name() == "node_modules") {
					return filepath.SkipDir
				}
				return nil
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".json", ".yaml", ".yml", ".template":
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		// Files are read and parsed on every core; merged in walk order.
		invs := make([]*Inventory, len(files))
		if err := parallel(len(files), func(i int) error {
			one, err := loadFile(files[i])
			var nf *NotAnalysableError
			if errors.As(err, &nf) {
				invs[i] = &Inventory{Skipped: []string{nf.File}}
				return nil
			}
			invs[i] = one
			return err
		}); err != nil {
			return nil, err
		}
		for _, one := range invs {
			inv.Merge(one)
		}
	}
	return inv, nil
}

func loadFile(path string) (*Inventory, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	inv, err := LoadBytes(path, src)
	if err != nil {
		return nil, err
	}
	inv.Inputs = 1
	return inv, nil
}
