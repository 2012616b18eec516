package engine

import (
	"context"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

// The rules of one handling share one read of a resource; once a mutating action has changed
// it, the later actions on it (of this rule or a later one) are told their read is stale
// (Invocation.Reread), in Handle and in Judge alike. Nothing that did not change it (a skip,
// a dry run, a notify) makes the read stale.
func TestRereadAfterAChange(t *testing.T) {
	const file = `rules:
  - name: first
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    filters: [{tag: Protected, equals: "true"}]
    actions: [notify, start, tag]
    mode: enforce
  - name: second
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    filters: [{tag: Protected, equals: "true"}]
    actions: [stop]
    mode: enforce
`
	for _, dry := range []bool{false, true} {
		set, err := rules.Load("r.yaml", []byte(file), rules.Options{})
		if err != nil {
			t.Fatal(err)
		}
		acts := map[string]*recorder{}
		inst := &Resource{Ref: resource.Ref{Kind: resource.Instance, ID: "i-1", Place: resource.Place{Account: "123456789012", Region: "us-east-1"}},
			State: resource.Stopped, Exists: true, Tags: map[string]string{"Protected": "true"}, Read: resource.NeedDescribe}
		eng, err := New(Config{
			Rules: set, DryRun: dry, LoopBudget: 10,
			NewAction: func(s rules.ActionSpec) (Action, error) {
				r := &recorder{name: s.Name, mutating: s.Name != "notify"}
				acts[s.Name] = r
				return r, nil
			},
			Inventory: &inventory{res: map[string]*Resource{"i-1": inst}},
			Now:       func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) },
		})
		if err != nil {
			t.Fatal(err)
		}
		eng.Handle(context.Background(), stateEvent("e1", "i-1", "stopped"))
		eng.Judge(context.Background(), "r1", inst)
		for name, want := range map[string]bool{"notify": false, "start": false, "tag": !dry, "stop": !dry} {
			calls := acts[name].calls
			if len(calls) != 2 {
				t.Fatalf("dry run %t: %s called %d times, want once by Handle and once by Judge", dry, name, len(calls))
			}
			for i, c := range calls {
				if c.Reread != want {
					t.Errorf("dry run %t: %s (call %d) Reread = %t, want %t", dry, name, i, c.Reread, want)
				}
			}
		}
	}
}
