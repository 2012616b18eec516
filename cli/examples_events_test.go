package cli

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

// examples/events.yaml is valid (strict: every acting rule pins AWS's sources), and each rule
// judges the kinds its pattern's events concern, by default.
func TestExampleEventRules(t *testing.T) {
	file := filepath.Join("..", "examples", "events.yaml")
	topic := "topic=arn:aws:sns:eu-west-1:111122223333:ops"
	if code, out, errOut := runCLI(t, "", "validate", "--strict", "-r", file, "--var", topic); code != 0 || errOut != "" {
		t.Fatalf("validate %s: exit %d\n%s%s", file, code, out, errOut)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.Load(file, src, rules.Options{Vars: map[string]string{"topic": "arn:aws:sns:eu-west-1:111122223333:ops"}, Reach: true})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]resource.Kind{
		"group-opened-to-the-internet":  {resource.SecurityGroup},
		"snapshot-or-image-made-public": {resource.Snapshot, resource.Image},
		"imdsv1-allowed-again":          {resource.Instance},
		"ebs-encryption-by-default-off": {resource.Account},
		"subnet-assigns-public-ips":     {resource.Subnet},
		"findings-on-exposed-instances": {resource.Instance},
	}
	for _, r := range set.Rules {
		if !slices.Equal(r.Resources, want[r.Name]) {
			t.Errorf("rule %s judges %v, want %v", r.Name, r.Resources, want[r.Name])
		}
	}
	if len(set.Rules) != len(want) {
		t.Errorf("%d rules, want %d", len(set.Rules), len(want))
	}
	// The example finding events are what its last rule selects.
	for _, ev := range []string{"securityhub-finding.json", "guardduty-finding.json"} {
		pat := filepath.Join(t.TempDir(), "p.json")
		if err := os.WriteFile(pat, set.Rules[len(set.Rules)-1].Pattern, 0o644); err != nil {
			t.Fatal(err)
		}
		if code, out, errOut := runCLI(t, "", "test-pattern", pat, filepath.Join("..", "examples", "events", ev)); code != 0 {
			t.Errorf("test-pattern on %s: exit %d\n%s%s", ev, code, out, errOut)
		}
	}
}
