package rules_test

import (
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/rules"
)

const restart = `
  - name: restart-protected
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    filters: [{tag: Protected, equals: "true"}]
    actions: [start]
`

func TestLoops(t *testing.T) {
	tests := []struct {
		name  string
		rules string
		loop  string // "" = no loop reported
	}{
		{"seed rules 1 and 2 loop on a protected instance without the exception", restart + `
  - name: stop-unexcepted
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    filters: [{tag: SPECIAL_EXCEPTION, absent: true}]
    actions: [stop]
`, `"restart-protected"'s start drives an instance to running, which "stop-unexcepted" (f.yaml:7:5) selects; "stop-unexcepted"'s stop drives an instance to stopped, which "restart-protected" (f.yaml:2:5) selects`},
		{"exclusive tag filters break the loop", restart + `
  - name: stop-unexcepted
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    filters: [{tag: SPECIAL_EXCEPTION, absent: true}, {tag: Protected, absent: true}]
    actions: [stop]
`, ""},
		{"different equals values break the loop", restart + `
  - name: stop-dev
    pattern: {source: [aws.ec2], detail: {state: [running]}}
    filters: [{tag: Protected, one-of: ["false", "no"]}]
    actions: [stop]
`, ""},
		{"a state filter the result never has breaks the loop", restart + `
  - name: stop-stopping
    pattern: {source: [aws.ec2], detail: {state: [{anything-but: stopped}]}}
    filters: [{state: [stopping]}]
    actions: [stop]
`, ""},
		{"a pattern that does not select the result", restart + `
  - name: stop-on-terminated
    pattern: {source: [aws.ec2], detail: {state: [terminated]}}
    actions: [stop]
`, ""},
		{"a rule that triggers itself", `
  - name: flapper
    pattern: {source: [aws.ec2], detail: {state: [{prefix: "st"}]}}
    actions: [stop, start]
`, `"flapper"'s stop drives an instance to stopping, which "flapper" (f.yaml:2:5) selects`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rules.Load("f.yaml", []byte("rules:"+tt.rules), rules.Options{CheckAction: actions.Check, Transitions: actions.Transitions})
			switch {
			case tt.loop == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.loop != "" && (err == nil || !strings.Contains(err.Error(), tt.loop)):
				t.Fatalf("error = %v\nwant it to contain %s", err, tt.loop)
			}
		})
	}
}
