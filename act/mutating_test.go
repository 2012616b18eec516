package act

import (
	"testing"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/rules"
)

func TestMutatingAsBuilt(t *testing.T) {
	params := map[string]map[string]any{
		"protect":          {"stop": true},
		"tag":              {"tags": map[string]any{"Owner": "{{.UserName}}"}},
		"notify":           {"topic": "arn:aws:sns:us-east-1:123456789012:ops"},
		"tell-owner":       {"topic": "arn:aws:sns:us-east-1:123456789012:owners"},
		"restrict-ingress": {"cidrs": []any{"10.0.0.0/8"}},
	}
	f := &Factory{API: awsapi.New()} // never called: nothing acts
	for _, name := range actions.Names() {
		act, err := f.New(rules.ActionSpec{Name: name, Params: params[name]})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if actions.Mutating(name) != act.Mutating() {
			t.Errorf("Mutating(%q) = %v, the built action says %v", name, actions.Mutating(name), act.Mutating())
		}
		cb, ok := act.(engine.CallBound)
		if needs := ok && cb.NeedsCall(); needs != (name == "tag") {
			t.Errorf("%s: NeedsCall %v: only tag acts on what a CloudTrail call did", name, needs)
		}
	}
	if actions.Mutating("nope") {
		t.Error("an unknown action is mutating")
	}
}
