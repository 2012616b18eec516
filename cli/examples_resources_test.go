package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/rules"
)

// examples/resources.yaml, the README's example of the resource filters, is valid and shows
// each filter beyond tags and state.
func TestExampleResourceRules(t *testing.T) {
	file := filepath.Join("..", "examples", "resources.yaml")
	code, out, errOut := runCLI(t, "", "validate", "-r", file, "--var", "topic=arn:aws:sns:eu-west-1:111122223333:ops")
	if code != 0 || errOut != "" {
		t.Fatalf("validate %s: exit %d\n%s%s", file, code, out, errOut)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.Load(file, src, rules.Options{Vars: map[string]string{"topic": "arn:aws:sns:eu-west-1:111122223333:ops"}})
	if err != nil {
		t.Fatal(err)
	}
	var shown []rules.FilterKind
	for _, r := range set.Rules {
		if len(r.Resources) == 0 {
			t.Errorf("rule %s judges no kind", r.Name)
		}
		for _, f := range r.Filters {
			shown = append(shown, f.Kind)
		}
	}
	for _, k := range []rules.FilterKind{rules.FilterAttr, rules.FilterIngress, rules.FilterExposed, rules.FilterPublic, rules.FilterStoppedFor, rules.FilterUnused} {
		if !slices.Contains(shown, k) {
			t.Errorf("examples/resources.yaml has no %s filter", k)
		}
	}
}

// validate reports every problem of the resource filters in one run, at file:line:col.
func TestValidateResourceFilterErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bad.yaml")
	src := `rules:
  - name: bad
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification]}
    resources: [instance, volum]
    filters:
      - {attr: MetadataOptions.HttpTokens, equals: requird}
      - {attr: LaunchTime, older-than: 30 days}
      - {ingress: {ports: ["100-22"], from: 10.0.0.1/8}}
      - {public: true}
    actions: [stop]
`
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "", "validate", "-r", file)
	want := []string{
		file + `:4:27: unknown resource kind "volum" in resources`,
		file + `:6:52: "requird" is not a value of MetadataOptions.HttpTokens of instance (one of: optional, required); did you mean required?`,
		file + `:7:40: older-than: "30 days" is not a duration`,
		file + `:8:28: ports: the range 100-22 runs backwards: write 22-100`,
		file + `:8:45: 10.0.0.1/8 has bits set past its prefix length: write 10.0.0.0/8`,
		file + `:9:10: a public filter does not apply to instance`,
	}
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, errOut)
	}
	for _, w := range want {
		if !strings.Contains(errOut, w) {
			t.Errorf("validate does not say %q:\n%s", w, errOut)
		}
	}
}
