package analyze

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/iam/checks"
)

func TestConfig(t *testing.T) {
	src := `approved_amis: [ami-0good]
approved_ami_owners: [111122223333, amazon]
provisioning_principals:
  - arn:aws:iam::*:role/Provisioning*
severity:
  IAM-EC2-7: critical
  iam-policy-1: medium
exclude:
  - check: IAM-EC2-3
    principal: "arn:aws:iam::*:role/NetworkAdmin"
    reason: network team
  - policy: "Legacy*"
`
	cfg, err := ParseConfig("c.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	set := cfg.Settings()
	if set.ApprovedAMIs[0] != "ami-0good" || set.ApprovedAMIOwners[0] != "111122223333" || set.ApprovedAMIOwners[1] != "amazon" || set.Provisioning[0] != "arn:aws:iam::*:role/Provisioning*" {
		t.Errorf("settings %+v", set)
	}
	if s, _ := cfg.severity("IAM-EC2-7"); s != checks.Critical {
		t.Errorf("severity override %v", s)
	}
	if s, _ := cfg.severity("IAM-POLICY-1"); s != checks.Medium {
		t.Errorf("case-insensitive override %v", s)
	}
	for _, tc := range []struct {
		f    checks.Finding
		name string
		want bool
	}{
		{checks.Finding{ID: "IAM-EC2-3", Principal: "arn:aws:iam::1:role/NetworkAdmin"}, "", true},
		{checks.Finding{ID: "IAM-EC2-3", Principal: "arn:aws:iam::1:role/Dev"}, "", false},
		{checks.Finding{ID: "IAM-EC2-3", Principal: "NetworkRole"}, "NetworkAdmin", false}, // an ARN pattern needs the ARN
		{checks.Finding{ID: "IAM-EC2-1", Policy: "LegacyOps"}, "", true},
		{checks.Finding{ID: "IAM-EC2-1", Policy: "Ops"}, "", false},
	} {
		if got := cfg.excluded(&tc.f, tc.name); got != tc.want {
			t.Errorf("excluded(%+v) = %v", tc.f, got)
		}
	}
	for _, tc := range []struct {
		pattern, principal, name string
		want                     bool
	}{
		{"BreakGlass", "arn:aws:iam::1:role/BreakGlass", "BreakGlass", true},
		{"BreakGlass", "arn:aws:iam::1:role/ops/BreakGlass", "", true}, // the ARN's last segment
		{"BreakGlass", "BreakGlassRole", "BreakGlass", true},           // a template's logical ID and role name
		{"breakglass", "BreakGlassRole", "BreakGlass", true},           // case-insensitive, like every pattern
		{"BreakGlassRole", "BreakGlassRole", "BreakGlass", true},
		{"Break*", "arn:aws:iam::1:user/Bob", "Bob", false},
		{"arn:aws:iam::*:role/BreakGlass", "BreakGlassRole", "BreakGlass", false},
	} {
		if got := matchPrincipal(tc.pattern, tc.principal, tc.name); got != tc.want {
			t.Errorf("matchPrincipal(%q, %q, %q) = %v", tc.pattern, tc.principal, tc.name, got)
		}
	}
	empty, err := ParseConfig("e.yaml", nil)
	if err != nil || len(empty.Exclude) != 0 {
		t.Errorf("empty config: %v %+v", err, empty)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"unknown setting", "aproved_amis: [ami-1]\n", []string{`c.yaml:1:1: unknown setting "aproved_amis"`}},
		{"bad severity", "severity:\n  IAM-EC2-1: severe\n", []string{`c.yaml:2:14: unknown severity "severe"`}},
		{"unknown check", "severity:\n  IAM-EC2-99: low\n", []string{`c.yaml:2:3: unknown check "IAM-EC2-99"`}},
		{"not an AMI", "approved_amis: [ami-1, img-2]\n", []string{`c.yaml:1:24: approved AMI "img-2"`}},
		{"empty exclusion", "exclude:\n  - reason: why\n", []string{`c.yaml:2:5: exclusion matches every finding`}},
		{"exclusion unknown check", "exclude:\n  - check: IAM-EC2-0\n", []string{`c.yaml:2:5: unknown check "IAM-EC2-0"`}},
		{"wrong type", "approved_amis: ami-1\n", []string{`c.yaml:1:16: approved_amis: expected a list of strings, got a string ("ami-1")`}},
		{"exclusion as a mapping", "exclude:\n  check: IAM-EC2-3\n", []string{"c.yaml:2:3: exclude: expected a list of exclusions ({check, principal, policy, reason}), got a mapping"}},
		{"list item of the wrong type", "provisioning_principals:\n  - [a, b]\n  - {x: 1}\n  - ~\n", []string{
			"c.yaml:2:5: provisioning_principals: expected a string, got a list",
			"c.yaml:3:5: provisioning_principals: expected a string, got a mapping",
			"c.yaml:4:5: provisioning_principals: expected a string, got nothing (null)"}},
		{"exclusion field of the wrong type", "exclude:\n  - check: [IAM-EC2-3]\n    colour: red\n", []string{
			"c.yaml:2:12: exclude: check: expected a string, got a list",
			`c.yaml:3:5: unknown exclusion field "colour"`,
			"c.yaml:2:5: exclusion matches every finding"}},
		{"type errors with other errors", "severity: [IAM-EC2-1]\nbogus: 1\napproved_amis: [img-1]\nexclude: x\n", []string{
			"c.yaml:1:11: severity: expected a mapping of check IDs to severities, got a list",
			`c.yaml:2:1: unknown setting "bogus"`,
			`c.yaml:3:17: approved AMI "img-1"`,
			`c.yaml:4:10: exclude: expected a list of exclusions ({check, principal, policy, reason}), got a string ("x")`}},
		{"alias bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\napproved_amis: [*e, *e, *e]\n",
			[]string{"c.yaml:6:17: aliases expand the document past 200000 values"}},
		{"recursive alias", "exclude: &x [*x]\n", []string{"c.yaml:1:14: alias *x refers to a value that contains it"}},
		{"not a mapping", "- a\n", []string{"c.yaml:1:1: the configuration must be a mapping"}},
		{"two problems", "severity:\n  IAM-EC2-1: x\n  IAM-EC2-2: y\n", []string{"c.yaml:2:14", "c.yaml:3:14"}},
		{"bad YAML", "a: [\n", []string{"c.yaml:1:4: sequence end token ']' not found"}},
		{"unknown setting and bad values", "approved_amis: [img-1]\nbogus: 1\nexclude:\n  - check: IAM-EC2-0\n",
			[]string{`c.yaml:1:17: approved AMI "img-1"`, `c.yaml:2:1: unknown setting "bogus"`, `c.yaml:4:5: unknown check "IAM-EC2-0"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig("c.yaml", []byte(tc.src))
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v", err)
			}
			if len(ce.Problems) != len(tc.want) {
				t.Fatalf("problems %q, want %d", ce.Problems, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(ce.Problems[i], w) {
					t.Errorf("problem %q, want prefix %q", ce.Problems[i], w)
				}
			}
		})
	}
}

func TestRunAppliesConfig(t *testing.T) {
	path := writeFile(t, "p.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:StopInstances","ec2:CreateRoute"],"Resource":"*"}]}`)
	cfg, err := ParseConfig("c.yaml", []byte("severity: {IAM-EC2-7: critical}\nexclude: [{check: IAM-EC2-3}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	res := run(t, cfg, path)
	if len(res.Findings) != 1 || res.Findings[0].ID != "IAM-EC2-7" || res.Findings[0].Severity != checks.Critical {
		t.Fatalf("%+v", res.Findings)
	}
	if res.Summary.Excluded != 1 || res.Summary.BySeverity["critical"] != 1 {
		t.Errorf("summary %+v", res.Summary)
	}
}

// The example configuration of the README loads, and shows every setting.
func TestExampleConfig(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("..", "..", "examples", "iam-guardrails.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.ApprovedAMIs) == 0 || len(cfg.ApprovedAMIOwners) == 0 || len(cfg.Provisioning) == 0 || len(cfg.Severity) == 0 || len(cfg.Exclude) == 0 {
		t.Errorf("the example leaves a setting out: %+v", cfg)
	}
	for _, e := range cfg.Exclude {
		if e.Reason == "" {
			t.Errorf("exclusion %+v gives no reason", e)
		}
	}
}
