package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/rules"
)

// examples/controls.yaml loads as validate loads it: each control entry its control's rules.
func TestExamplesControls(t *testing.T) {
	file := filepath.Join("..", "examples", "controls.yaml")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.Load(file, src, rules.Options{Vars: map[string]string{"topic": "arn:aws:sns:eu-west-1:111122223333:ops"},
		CheckAction: actions.Check, Transitions: actions.Transitions, Reach: true, Controls: controls.RuleSource})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Rules) != 4 || set.Rules[1].Name != "EC2.13" || len(set.Rules[1].Exceptions) != 1 {
		t.Errorf("rules: %d, %+v", len(set.Rules), set.Rules)
	}
	code, out, errOut := runCLI(t, "", "validate", "-r", file, "--var", "topic=arn:aws:sns:eu-west-1:111122223333:ops")
	if code != 0 {
		t.Errorf("validate: %d %s %s", code, out, errOut)
	}
}
