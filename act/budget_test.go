package act

import (
	"context"
	"fmt"
	"testing"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/ledger"
	"github.com/ec2guard/ec2guard/rules"
)

// restartRule is seed 000's rule, on its own.
const restartRule = `rules:
  - name: restart-protected
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    filters: [{tag: Protected, equals: "true"}]
    actions: [start]
    mode: enforce
`

// newEngine is the engine over the real actions on moto, with cfg's budgets.
func newEngine(t *testing.T, src string, vars map[string]string, tweak func(*engine.Config)) *engine.Engine {
	t.Helper()
	set, err := rules.Load("r.yaml", []byte(src), rules.Options{Vars: vars, CheckAction: actions.Check})
	if err != nil {
		t.Fatal(err)
	}
	api := awsapi.New()
	cfg := engine.Config{Rules: set, NewAction: (&Factory{API: api, Poll: 10}).New, Inventory: api}
	if tweak != nil {
		tweak(&cfg)
	}
	eng, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func stateChangeEvent(t *testing.T, id, instance, state string) *event.Event {
	t.Helper()
	e, err := event.Parse(fmt.Appendf(nil, `{"id":%q,"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","account":"123456789012","region":"us-east-1","detail":{"instance-id":%q,"state":%q}}`, id, instance, state))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Three stale "stopped" events for a running protected instance find nothing to start; they
// use up neither the loop budget nor the per-minute cap, so the real stop that follows is
// started again — with the budget of this process and with the state table's.
func TestStaleEventsLeaveTheBudget(t *testing.T) {
	ctx := context.Background()
	f := newFleet(t)
	for _, c := range []struct {
		name   string
		limits func(*engine.Config)
	}{
		{"loop budget 3", func(c *engine.Config) { c.LoopBudget = 3 }},
		{"per-minute cap 3", func(c *engine.Config) { c.LoopBudget, c.MaxPerMinute = 100, 3 }},
	} {
		for _, shared := range []bool{false, true} {
			name := c.name + ", local budget"
			if shared {
				name = c.name + ", state table"
			}
			t.Run(name, func(t *testing.T) {
				eng := newEngine(t, restartRule, nil, func(cfg *engine.Config) {
					c.limits(cfg)
					if shared {
						mototest.StateTable(t, "ec2guard-state")
						d := ledger.NewDynamo(awsapi.New().Table("ec2guard-state")) // deleted when the subtest ends
						cfg.Ledger, cfg.Budget = d, d
					}
				})
				id := f.Run(map[string]string{"Protected": "true"}, false)
				for i := range 3 {
					ds := eng.Handle(ctx, stateChangeEvent(t, fmt.Sprint("stale-", i), id, "stopped"))
					if len(ds) != 1 || ds[0].Outcome != engine.Skipped || ds[0].Reason != id+" is running: nothing to start" {
						t.Fatalf("stale event %d: %+v", i, ds)
					}
				}
				f.Stop(id)
				ds := eng.Handle(ctx, stateChangeEvent(t, "real", id, "stopped"))
				if len(ds) != 1 || ds[0].Outcome != engine.Applied {
					t.Fatalf("the real stop: %+v", ds)
				}
				if st := f.State(id); st != "pending" && st != "running" {
					t.Fatalf("%s is %s after the real stop's start", id, st)
				}
			})
		}
	}
}
