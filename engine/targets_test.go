package engine

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

// stateReader is a recorder that, like start, needs the instance's state read.
type stateReader struct{ *recorder }

func (stateReader) Needs() resource.Needs { return resource.NeedDescribe }

// Each target of an event is read once, whatever the number of rules that judge it, and that
// one value goes to every rule's filters and actions; a rule judging none of the event's
// kinds yields one skipped record that says so.
func TestOneReadPerTarget(t *testing.T) {
	set, err := rules.Load("t.yaml", []byte(`rules:
  - name: owned
    pattern: {detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances]}}
    filters: [{tag: Owner, present: true}]
    actions: [notify]
    mode: enforce
  - name: unowned
    pattern: {detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances]}}
    filters: [{tag: Owner, absent: true}]
    actions: [notify]
    mode: enforce
  - name: stop-them
    pattern: {detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances]}}
    actions: [stop]
    mode: enforce
  - name: volumes
    pattern: {detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances]}}
    actions: [notify]
    mode: enforce
`), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	set.Rules[3].Resources = []resource.Kind{resource.Volume} // as `resources: [volume]` says
	inv := &countingInventory{inventory: inventory{res: map[string]*Resource{
		"i-a": {Ref: resource.Ref{Kind: resource.Instance, ID: "i-a"}, Exists: true, State: resource.Running, Tags: map[string]string{"Owner": "alice"}, Read: resource.NeedDescribe},
		"i-b": {Ref: resource.Ref{Kind: resource.Instance, ID: "i-b"}, Exists: true, State: resource.Running, Read: resource.NeedDescribe},
	}}}
	var calls []Invocation
	eng, err := New(Config{Rules: set, Inventory: inv, Now: func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) },
		NewAction: func(s rules.ActionSpec) (Action, error) {
			r := &recorder{name: s.Name, mutating: s.Name != "notify"}
			var a Action = r
			if s.Name == "stop" {
				a = stateReader{r}
			}
			return recording{a, &calls}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	ds := eng.Handle(context.Background(), cloudTrail(t, "e1", "arn:aws:sts::123456789012:assumed-role/Dev/alice", ""))
	var got []string
	for _, d := range ds {
		got = append(got, d.Rule+"/"+d.Resource+"/"+d.Action+"/"+string(d.Outcome))
	}
	want := []string{"owned/i-a/notify/applied", "owned/i-b//skipped", "unowned/i-a//skipped", "unowned/i-b/notify/applied",
		"stop-them/i-a/stop/applied", "stop-them/i-b/stop/applied", "volumes///skipped"}
	if !slices.Equal(got, want) {
		t.Fatalf("decisions %v\nwant %v", got, want)
	}
	if why := ds[6].Reason; why != "the rule judges volume; the event names instance i-a, instance i-b" {
		t.Fatalf("reason of the rule that judges no target: %q", why)
	}
	if n := inv.gets.Load(); n != 2 {
		t.Fatalf("%d reads for 2 targets and 3 rules that judge them, want 2", n)
	}
	for _, c := range calls {
		if len(c.Targets) != 2 || !slices.Contains(c.Targets, c.Resource) || c.Resource != inv.res[c.Resource.ID] || c.Scope == nil || c.Scope != calls[0].Scope {
			t.Fatalf("invocation %+v: want the read resource, both targets and the event's scope", c)
		}
	}
	// Another event is another handling: read again, with a scope of its own.
	eng.Handle(context.Background(), cloudTrail(t, "e2", "arn:aws:sts::123456789012:assumed-role/Dev/alice", ""))
	if n := inv.gets.Load(); n != 4 || calls[len(calls)-1].Scope == calls[0].Scope {
		t.Fatalf("%d reads after the second event", n)
	}
}

// recording keeps each invocation of an action.
type recording struct {
	Action
	calls *[]Invocation
}

func (r recording) Do(ctx context.Context, inv Invocation) Result {
	*r.calls = append(*r.calls, inv)
	return r.Action.Do(ctx, inv)
}

func (r recording) Needs() resource.Needs {
	if rd, ok := r.Action.(Reading); ok {
		return rd.Needs()
	}
	return 0
}

// A rule whose filters need nothing is not read for, unless an action says it reads.
func TestNoReadWhenNothingNeedsIt(t *testing.T) {
	f := newFixture(t, func(c *Config) {
		c.NewAction = func(s rules.ActionSpec) (Action, error) { return &recorder{name: s.Name}, nil }
	})
	ci := &countingInventory{inventory: *f.inv}
	f.eng.cfg.Inventory = ci
	f.eng.Handle(context.Background(), stateEvent("e1", "i-open", "running")) // watch-running: no filter, a recorder that says nothing of reads
	if n := ci.gets.Load(); n != 0 {
		t.Fatalf("%d reads", n)
	}
}

func TestTargetPlace(t *testing.T) {
	e := &Engine{}
	ev := &event.Event{Account: "111111111111", Region: "us-east-1"}
	for _, c := range []struct {
		t    event.Target
		want resource.Place
	}{
		{event.Target{Kind: resource.Instance, ID: "i-1"}, resource.Place{Account: "111111111111", Region: "us-east-1"}},
		{event.Target{Kind: resource.Instance, ID: "i-1", Place: resource.Place{Region: "eu-west-1"}}, resource.Place{Account: "111111111111", Region: "eu-west-1"}},
		{event.Target{Kind: resource.Instance, ID: "i-1", Place: resource.Place{Account: "222222222222", Region: "eu-west-1"}}, resource.Place{Account: "222222222222", Region: "eu-west-1"}},
	} {
		if got := e.refOf(ev, c.t); got.Place != c.want || got.ID != "i-1" || got.Kind != resource.Instance {
			t.Errorf("refOf(%+v) = %+v, want %+v", c.t, got, c.want)
		}
	}
}
