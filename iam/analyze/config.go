package analyze

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ec2guard/ec2guard/iam/catalog"
	"github.com/ec2guard/ec2guard/iam/checks"
)

// Config is the `iam check` configuration file (YAML):
//
//	approved_amis: [ami-0abc...]             # IAM-EC2-2
//	approved_ami_owners: ["111122223333", amazon]
//	provisioning_principals:                 # IAM-EC2-3 and IAM-EC2-5 do not report these
//	  - arn:aws:iam::*:role/Provisioning*    # ARN or name, * and ? wildcards
//	severity:                                # overrides
//	  IAM-EC2-7: high
//	exclude:                                 # findings to leave out; every field given must match
//	  - check: IAM-EC2-3                     # ID or pattern
//	    principal: "arn:aws:iam::*:role/NetworkAdmin" # ARN, or name (as provisioning_principals)
//	    policy: "*"
//	    reason: network team
type Config struct {
	ApprovedAMIs      []string          `yaml:"approved_amis"`
	ApprovedAMIOwners []string          `yaml:"approved_ami_owners"`
	Provisioning      []string          `yaml:"provisioning_principals"`
	Severity          map[string]string `yaml:"severity"`
	Exclude           []Exclusion       `yaml:"exclude"`
	severities        map[string]checks.Severity
}

// Exclusion leaves out the findings it matches.
type Exclusion struct {
	Check     string `yaml:"check"`
	Principal string `yaml:"principal"`
	Policy    string `yaml:"policy"`
	Reason    string `yaml:"reason"`
}

// ConfigError lists every problem of a configuration file, each "file:line:col: message".
type ConfigError struct{ Problems []string }

func (e *ConfigError) Error() string { return strings.Join(e.Problems, "\n") }

// LoadConfig reads and validates a configuration file.
func LoadConfig(path string) (*Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the configuration: %w", err)
	}
	return ParseConfig(path, src)
}

// ParseConfig validates a configuration and reports every problem with its position.
func ParseConfig(name string, src []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, &ConfigError{Problems: []string{fmt.Sprintf("%s: %v", name, err)}}
	}
	cfg := &Config{}
	if len(root.Content) == 0 {
		return cfg, nil
	}
	var probs []string
	at := func(n *yaml.Node, format string, args ...any) {
		probs = append(probs, fmt.Sprintf("%s:%d:%d: %s", name, n.Line, n.Column, fmt.Sprintf(format, args...)))
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		at(doc, "the configuration must be a mapping")
		return nil, &ConfigError{Problems: probs}
	}
	known := map[string]bool{"approved_amis": true, "approved_ami_owners": true, "provisioning_principals": true, "severity": true, "exclude": true}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if k := doc.Content[i]; !known[k.Value] {
			at(k, "unknown setting %q (want approved_amis, approved_ami_owners, provisioning_principals, severity, exclude)", k.Value)
		}
	}
	// Unknown settings are reported above with their positions (the decoder's own message
	// for them has none); the values of the known ones are still checked below, so one run
	// reports every problem. A value of the wrong shape stops here.
	dec := yaml.NewDecoder(strings.NewReader(string(src)))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && len(probs) == 0 {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, e := range te.Errors {
				probs = append(probs, name+": "+e)
			}
		} else {
			probs = append(probs, fmt.Sprintf("%s: %v", name, err))
		}
		return nil, &ConfigError{Problems: probs}
	}
	// Values: positions from the node tree.
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		switch k.Value {
		case "approved_amis":
			for _, n := range v.Content {
				if !strings.HasPrefix(n.Value, "ami-") {
					at(n, "approved AMI %q is not an image ID (ami-...)", n.Value)
				}
			}
		case "severity":
			cfg.severities = map[string]checks.Severity{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				id, sv := v.Content[j], v.Content[j+1]
				c, ok := checks.ByID(id.Value)
				if !ok {
					at(id, "unknown check %q", id.Value)
					continue
				}
				s, err := checks.ParseSeverity(sv.Value)
				if err != nil {
					at(sv, "%v", err)
					continue
				}
				cfg.severities[c.ID] = s
			}
		case "exclude":
			for j, n := range v.Content {
				if j >= len(cfg.Exclude) {
					break
				}
				e := cfg.Exclude[j]
				if e.Check == "" && e.Principal == "" && e.Policy == "" {
					at(n, "exclusion matches every finding: give check, principal or policy")
				}
				if e.Check != "" && !strings.ContainsAny(e.Check, "*?") {
					if _, ok := checks.ByID(e.Check); !ok {
						at(n, "unknown check %q", e.Check)
					}
				}
			}
		}
	}
	if len(probs) > 0 {
		return nil, &ConfigError{Problems: probs}
	}
	return cfg, nil
}

// Settings returns what the checks read.
func (c *Config) Settings() checks.Settings {
	return checks.Settings{ApprovedAMIs: c.ApprovedAMIs, ApprovedAMIOwners: c.ApprovedAMIOwners, Provisioning: c.Provisioning}
}

func (c *Config) severity(id string) (checks.Severity, bool) {
	s, ok := c.severities[id]
	return s, ok
}

// excluded reports whether an exclusion matches the finding; name is its principal's user
// or role name ("" for none).
func (c *Config) excluded(f *checks.Finding, name string) bool {
	for _, e := range c.Exclude {
		if matchOpt(e.Check, f.ID) && matchPrincipal(e.Principal, f.Principal, name) && matchOpt(e.Policy, f.Policy) {
			return true
		}
	}
	return false
}

// matchPrincipal matches an exclusion's principal pattern the way provisioning_principals
// are matched: a pattern with ":" against the principal's ARN, one without also against its
// name (the ARN's last segment, or the IAM name of a template's logical resource), so one
// pattern covers a role in a template, a dump and the live account.
func matchPrincipal(pattern, principal, name string) bool {
	if pattern == "" || catalog.Match(pattern, principal) {
		return true
	}
	if strings.Contains(pattern, ":") {
		return false
	}
	last := principal[strings.LastIndexAny(principal, "/:")+1:]
	return (name != "" && catalog.Match(pattern, name)) || (last != "" && catalog.Match(pattern, last))
}

func matchOpt(pattern, v string) bool { return pattern == "" || catalog.Match(pattern, v) }
