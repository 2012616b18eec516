package cli

import (
	"os"
	"path/filepath"
	"slices"
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
