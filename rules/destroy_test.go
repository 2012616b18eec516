package rules

import (
	"testing"
)

// A destroying action needs confirm-destroy: true in its rule (and in a control entry); the
// key on a rule with no destroying action is an error; every problem in one run, each at
// file:line:col naming the action and the key.
func TestConfirmDestroy(t *testing.T) {
	destroys := func(name string) bool { return name == "terminate" || name == "release-address" }
	controls := func(id string, _ map[string]any) ([]ControlRule, error) {
		return []ControlRule{{Pattern: []byte(`{"source":["aws.ec2"]}`), Kind: "instance"}}, nil
	}
	opts := Options{Destroys: destroys, Controls: controls}
	const ok = `rules:
  - name: a
    pattern: {source: [x]}
    confirm-destroy: true
    actions: [stop, terminate]
  - control: EC2.4
    confirm-destroy: true
    actions: [terminate]
`
	set, err := Load("f.yaml", []byte(ok), opts)
	if err != nil {
		t.Fatal(err)
	}
	if !set.Rules[0].ConfirmDestroy || !set.Rules[1].ConfirmDestroy {
		t.Errorf("ConfirmDestroy not kept: %+v %+v", set.Rules[0], set.Rules[1])
	}
	bad := `rules:
  - name: a
    pattern: {source: [x]}
    actions: [stop, terminate, release-address]
  - name: b
    pattern: {source: [x]}
    confirm-destroy: false
    actions:
      - terminate: {force: true}
  - name: c
    pattern: {source: [x]}
    confirm-destroy: true
    actions: [stop]
  - control: EC2.4
    actions: [terminate]
  - control: EC2.12
    confirm-destroy: true
  - name: d
    pattern: {source: [x]}
    confirm-destroy: yes please
    actions: [stop]
`
	_, err = Load("f.yaml", []byte(bad), opts)
	WantErrors(t, err, []string{
		`f.yaml:4:21: action "terminate" destroys what it acts on: the rule must say confirm-destroy: true`,
		`f.yaml:4:32: action "release-address" destroys what it acts on: the rule must say confirm-destroy: true`,
		`f.yaml:9:9: action "terminate" destroys`,
		`f.yaml:12:5: confirm-destroy: the rule has no action that destroys (its actions: stop); remove the key`,
		`f.yaml:15:15: action "terminate" destroys`,
		`f.yaml:17:5: confirm-destroy: the rule has no action that destroys (it has no actions); remove the key`,
		`f.yaml:20:22: confirm-destroy must be true or false`,
	})
	// without Options.Destroys (a loader that knows no actions) nothing is checked
	if _, err := Load("f.yaml", []byte("rules:\n  - name: a\n    pattern: {source: [x]}\n    actions: [terminate]\n"), Options{}); err != nil {
		t.Errorf("without Destroys: %v", err)
	}
}
