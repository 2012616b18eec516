package analyze

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ec2guard/ec2guard/iam/catalog"
	"github.com/ec2guard/ec2guard/iam/checks"
	"github.com/ec2guard/ec2guard/internal/yamldoc"
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

// ParseConfig validates a configuration and reports every problem with its position: the
// tree is walked here (not decoded into the struct) so that a value of the wrong shape is
// told in words at its line and column, next to every other problem of the file.
func ParseConfig(name string, src []byte) (*Config, error) {
	doc, err := yamldoc.Parse(src, yamldoc.Default)
	if err != nil {
		return nil, &ConfigError{Problems: []string{fmt.Sprintf("%s:%v", name, err)}}
	}
	cfg := &Config{}
	if doc == nil {
		return cfg, nil
	}
	c := &configReader{name: name}
	doc = deref(doc)
	if doc.Kind != yaml.MappingNode {
		c.at(doc, "the configuration must be a mapping of settings, got %s", shape(doc))
		return nil, &ConfigError{Problems: c.probs}
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], deref(doc.Content[i+1])
		switch k.Value {
		case "approved_amis":
			cfg.ApprovedAMIs = c.strings(v, "approved_amis")
			for j, ami := range cfg.ApprovedAMIs {
				if !strings.HasPrefix(ami, "ami-") {
					c.at(v.Content[j], "approved AMI %q is not an image ID (ami-...)", ami)
				}
			}
		case "approved_ami_owners":
			cfg.ApprovedAMIOwners = c.strings(v, "approved_ami_owners")
		case "provisioning_principals":
			cfg.Provisioning = c.strings(v, "provisioning_principals")
		case "severity":
			c.severity(cfg, v)
		case "exclude":
			c.exclude(cfg, v)
		default:
			c.at(k, "unknown setting %q (want approved_amis, approved_ami_owners, provisioning_principals, severity, exclude)", k.Value)
		}
	}
	if len(c.probs) > 0 {
		return nil, &ConfigError{Problems: c.probs}
	}
	return cfg, nil
}

type configReader struct {
	name  string
	probs []string
}

func (c *configReader) at(n *yaml.Node, format string, args ...any) {
	c.probs = append(c.probs, fmt.Sprintf("%s:%d:%d: %s", c.name, n.Line, n.Column, fmt.Sprintf(format, args...)))
}

// str reads a scalar as text (an unquoted 111122223333 is an account ID, not a number).
func (c *configReader) str(n *yaml.Node, what string) (string, bool) {
	n = deref(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		c.at(n, "%s: expected a string, got %s", what, shape(n))
		return "", false
	}
	return n.Value, true
}

func (c *configReader) strings(n *yaml.Node, what string) []string {
	if n.Kind != yaml.SequenceNode {
		c.at(n, "%s: expected a list of strings, got %s", what, shape(n))
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		s, _ := c.str(item, what)
		out = append(out, s) // kept in place, so that positions match the list's items
	}
	return out
}

func (c *configReader) severity(cfg *Config, v *yaml.Node) {
	if v.Kind != yaml.MappingNode {
		c.at(v, "severity: expected a mapping of check IDs to severities, got %s", shape(v))
		return
	}
	cfg.Severity = map[string]string{}
	cfg.severities = map[string]checks.Severity{}
	for j := 0; j+1 < len(v.Content); j += 2 {
		id, ok1 := c.str(v.Content[j], "severity: a check ID")
		sv, ok2 := c.str(v.Content[j+1], "severity of "+id)
		if !ok1 || !ok2 {
			continue
		}
		cfg.Severity[id] = sv
		ch, ok := checks.ByID(id)
		if !ok {
			c.at(v.Content[j], "unknown check %q", id)
			continue
		}
		s, err := checks.ParseSeverity(sv)
		if err != nil {
			c.at(deref(v.Content[j+1]), "%v", err)
			continue
		}
		cfg.severities[ch.ID] = s
	}
}

func (c *configReader) exclude(cfg *Config, v *yaml.Node) {
	if v.Kind != yaml.SequenceNode {
		c.at(v, "exclude: expected a list of exclusions ({check, principal, policy, reason}), got %s", shape(v))
		return
	}
	for _, n := range v.Content {
		n = deref(n)
		if n.Kind != yaml.MappingNode {
			c.at(n, "exclude: expected an exclusion (a mapping of check, principal, policy, reason), got %s", shape(n))
			continue
		}
		var e Exclusion
		for j := 0; j+1 < len(n.Content); j += 2 {
			k := n.Content[j]
			field := map[string]*string{"check": &e.Check, "principal": &e.Principal, "policy": &e.Policy, "reason": &e.Reason}[k.Value]
			if field == nil {
				c.at(k, "unknown exclusion field %q (want check, principal, policy, reason)", k.Value)
				continue
			}
			*field, _ = c.str(n.Content[j+1], "exclude: "+k.Value)
		}
		if e.Check == "" && e.Principal == "" && e.Policy == "" {
			c.at(n, "exclusion matches every finding: give check, principal or policy")
		}
		if e.Check != "" && !strings.ContainsAny(e.Check, "*?") {
			if _, ok := checks.ByID(e.Check); !ok {
				c.at(n, "unknown check %q", e.Check)
			}
		}
		cfg.Exclude = append(cfg.Exclude, e)
	}
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// shape names a value's kind the way a user wrote it.
func shape(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing (null)"
		case "!!bool":
			return "true or false (" + n.Value + ")"
		case "!!int", "!!float":
			return "a number (" + n.Value + ")"
		}
		return fmt.Sprintf("a string (%q)", n.Value)
	}
	return "an unknown value"
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
