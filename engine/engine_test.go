package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

// recorder is an Action of our own interface (not a fake of AWS): it records its calls.
type recorder struct {
	name     string
	mutating bool
	mu       sync.Mutex
	calls    []Invocation
	result   *Result
}

func (r *recorder) Name() string   { return r.name }
func (r *recorder) Mutating() bool { return r.mutating }

// Do records the call, unless the budget holds it back, as a real action asks right before
// its mutating call; a configured result is one decided before that (skipped, failed).
func (r *recorder) Do(ctx context.Context, inv Invocation) Result {
	if r.result == nil && r.mutating && !inv.DryRun {
		if err := inv.MayMutate(ctx); err != nil {
			return HeldBackResult(err)
		}
	}
	r.mu.Lock()
	r.calls = append(r.calls, inv)
	r.mu.Unlock()
	if r.result != nil {
		return *r.result
	}
	if inv.DryRun {
		return Result{Outcome: DryRun, Reason: "would " + r.name}
	}
	return Result{Outcome: Applied, Reason: r.name + "ed"}
}

// inventory is an in-memory Inventory.
type inventory struct {
	res map[string]*Resource
	err error
}

func (i *inventory) Get(_ context.Context, ref resource.Ref, _ resource.Needs) (*Resource, error) {
	if i.err != nil {
		return nil, i.err
	}
	if r, ok := i.res[ref.ID]; ok {
		return r, nil
	}
	return &Resource{Ref: ref}, nil
}

// mapLedger is a Ledger in a map: "done" or the owner holding a claim.
type mapLedger struct {
	mu sync.Mutex
	m  map[string]string
}

func (l *mapLedger) Seen(_ context.Context, k string, _ time.Time) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.m[k] == "done", nil
}

func (l *mapLedger) Claim(_ context.Context, k, owner string, _ time.Time, _ time.Duration) (ClaimState, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch l.m[k] {
	case "", owner:
		l.m[k] = owner
		return Claimed, nil
	case "done":
		return AlreadyDone, nil
	}
	return HeldElsewhere, nil
}

func (l *mapLedger) MarkDone(_ context.Context, k, _ string, _ time.Time, _ time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.m[k] = "done"
	return nil
}

func (l *mapLedger) Release(_ context.Context, k, owner string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m[k] == owner {
		delete(l.m, k)
	}
	return nil
}

const ruleFile = `rules:
  - name: restart-protected
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    filters: [{tag: Protected, equals: "true"}]
    actions: [start]
    mode: enforce
  - name: watch-running
    pattern: {source: [aws.ec2], detail: {state: [running]}}
    actions: [stop]
  - name: auto-tag
    pattern: {detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances]}}
    actions: [{tag: {tags: {Owner: x}}}]
    mode: enforce
`

type fixture struct {
	eng   *Engine
	acts  map[string]*recorder
	inv   *inventory
	clock time.Time
}

func newFixture(t *testing.T, tweak func(*Config)) *fixture {
	t.Helper()
	set, err := rules.Load("r.yaml", []byte(ruleFile), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{acts: map[string]*recorder{}, clock: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
	f.inv = &inventory{res: map[string]*Resource{
		"i-prot": {Ref: resource.Ref{Kind: resource.Instance, ID: "i-prot"}, State: resource.Stopped, Exists: true, Tags: map[string]string{"Protected": "true"}},
		"i-open": {Ref: resource.Ref{Kind: resource.Instance, ID: "i-open"}, State: resource.Stopped, Exists: true, Tags: map[string]string{}},
	}}
	cfg := Config{
		Rules: set,
		NewAction: func(s rules.ActionSpec) (Action, error) {
			r := &recorder{name: s.Name, mutating: true}
			f.acts[s.Name] = r
			return r, nil
		},
		Inventory: f.inv,
		Now:       func() time.Time { return f.clock },
	}
	if tweak != nil {
		tweak(&cfg)
	}
	f.eng, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func stateEvent(id, instance, state string) *event.Event {
	e, err := event.Parse([]byte(fmt.Sprintf(`{"id":%q,"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","account":"123456789012","region":"us-east-1","detail":{"instance-id":%q,"state":%q}}`, id, instance, state)))
	if err != nil {
		panic(err)
	}
	return e
}

func one(t *testing.T, ds []Decision) Decision {
	t.Helper()
	if len(ds) != 1 {
		t.Fatalf("%d decisions, want 1: %+v", len(ds), ds)
	}
	return ds[0]
}

func TestHandle(t *testing.T) {
	ctx := context.Background()
	t.Run("no rule matched", func(t *testing.T) {
		f := newFixture(t, nil)
		d := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-prot", "pending")))
		if d.Rule != "" || d.Outcome != Skipped || d.Reason != "no rule matched" || d.EventID != "e1" {
			t.Fatalf("%+v", d)
		}
	})
	t.Run("applied", func(t *testing.T) {
		f := newFixture(t, nil)
		d := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped")))
		if d.Rule != "restart-protected" || d.Action != "start" || d.Outcome != Applied || d.Resource != "i-prot" || d.DryRun || d.Region != "us-east-1" || d.Account != "123456789012" {
			t.Fatalf("%+v", d)
		}
		if c := f.acts["start"].calls; len(c) != 1 || c[0].Resource.Tags["Protected"] != "true" || c[0].DryRun {
			t.Fatalf("start calls = %+v", c)
		}
		// the action may ask what its rule's filters matched: a tag filter tells no group rules
		if m := f.acts["start"].calls[0].Matched; m == nil {
			t.Fatal("the invocation has no Matched")
		} else if got, ok := m(f.acts["start"].calls[0].Resource); ok || got != nil {
			t.Fatalf("Matched = %v, %v; want nothing told", got, ok)
		}
	})
	t.Run("filter says no", func(t *testing.T) {
		f := newFixture(t, nil)
		d := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-open", "stopped")))
		if d.Outcome != Skipped || !strings.Contains(d.Reason, "r.yaml:4:15 (tag Protected equals [true]) does not hold") || len(f.acts["start"].calls) != 0 {
			t.Fatalf("%+v", d)
		}
	})
	t.Run("duplicate event", func(t *testing.T) {
		f := newFixture(t, nil)
		f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped"))
		d := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped")))
		if d.Outcome != Duplicate || len(f.acts["start"].calls) != 1 {
			t.Fatalf("%+v, %d calls", d, len(f.acts["start"].calls))
		}
	})
	t.Run("ledger outlives the engine", func(t *testing.T) {
		l := &mapLedger{m: map[string]string{}}
		f := newFixture(t, func(c *Config) { c.Ledger = l })
		f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped"))
		g := newFixture(t, func(c *Config) { c.Ledger = l })
		if d := one(t, g.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped"))); d.Outcome != Duplicate {
			t.Fatalf("%+v", d)
		}
		// A dry run looks without claiming.
		h := newFixture(t, func(c *Config) { c.Ledger = l; c.DryRun = true })
		if d := one(t, h.eng.Handle(ctx, stateEvent("e2", "i-prot", "stopped"))); d.Outcome != DryRun || len(l.m) != 1 {
			t.Fatalf("%+v, ledger %v", d, l.m)
		}
	})
	t.Run("claimed by another process", func(t *testing.T) {
		l := &mapLedger{m: map[string]string{}}
		f := newFixture(t, func(c *Config) { c.Ledger = l })
		key := "e1|restart-protected|0:start|instance:i-prot"
		l.m[key] = "someone else"
		d := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped")))
		if d.Outcome != Failed || !strings.Contains(d.Reason, "left for a retry") || len(f.acts["start"].calls) != 0 {
			t.Fatalf("%+v", d)
		}
		delete(l.m, key) // the claimant died and its claim lapsed: the retry acts
		if d := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped"))); d.Outcome != Applied || l.m[key] != "done" {
			t.Fatalf("retry: %+v, ledger %v", d, l.m)
		}
	})
	t.Run("a claim that did not apply is released", func(t *testing.T) {
		l := &mapLedger{m: map[string]string{}}
		f := newFixture(t, func(c *Config) { c.Ledger = l })
		f.acts["start"].result = &Result{Outcome: Skipped, Reason: "running: nothing to start"}
		if d := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped"))); d.Outcome != Skipped || len(l.m) != 0 {
			t.Fatalf("%+v, ledger %v", d, l.m)
		}
	})
	t.Run("a deadline shortens the lease", func(t *testing.T) {
		f := newFixture(t, nil)
		dctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if l := f.eng.lease(dctx); l > 91*time.Second || l < 80*time.Second {
			t.Fatalf("lease %s within a 1m deadline", l)
		}
		if l := f.eng.lease(ctx); l != 15*time.Minute {
			t.Fatalf("lease %s without a deadline", l)
		}
	})
	t.Run("dry-run flag", func(t *testing.T) {
		f := newFixture(t, func(c *Config) { c.DryRun = true })
		d := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped")))
		if d.Outcome != DryRun || !d.DryRun || !f.acts["start"].calls[0].DryRun {
			t.Fatalf("%+v", d)
		}
	})
	t.Run("rule mode dry-run (the default)", func(t *testing.T) {
		f := newFixture(t, nil)
		d := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-open", "running")))
		if d.Rule != "watch-running" || d.Outcome != DryRun || !d.DryRun || !f.acts["stop"].calls[0].DryRun {
			t.Fatalf("%+v", d)
		}
	})
	t.Run("loop budget", func(t *testing.T) {
		f := newFixture(t, nil)
		var last Decision
		for i := 0; i < 4; i++ {
			last = one(t, f.eng.Handle(ctx, stateEvent(fmt.Sprint("e", i), "i-prot", "stopped")))
			f.clock = f.clock.Add(time.Minute)
		}
		if last.Outcome != Suppressed || !strings.Contains(last.Reason, "loop budget") || len(f.acts["start"].calls) != 3 || RateLimited(last) {
			t.Fatalf("%+v, %d calls", last, len(f.acts["start"].calls))
		}
		f.clock = f.clock.Add(10 * time.Minute)
		if d := one(t, f.eng.Handle(ctx, stateEvent("e9", "i-prot", "stopped"))); d.Outcome != Applied {
			t.Fatalf("after the window: %+v", d)
		}
	})
	t.Run("blast radius per minute", func(t *testing.T) {
		f := newFixture(t, func(c *Config) { c.MaxPerMinute = 2 })
		for i := 0; i < 3; i++ {
			f.inv.res[fmt.Sprint("i-", i)] = &Resource{Ref: resource.Ref{Kind: resource.Instance, ID: fmt.Sprint("i-", i)}, State: resource.Stopped, Exists: true, Tags: map[string]string{"Protected": "true"}}
		}
		var ds []Decision
		for i := 0; i < 3; i++ {
			ds = append(ds, one(t, f.eng.Handle(ctx, stateEvent(fmt.Sprint("e", i), fmt.Sprint("i-", i), "stopped"))))
		}
		if ds[1].Outcome != Applied || ds[2].Outcome != Suppressed || !strings.Contains(ds[2].Reason, "blast radius") || !RateLimited(ds[2]) {
			t.Fatalf("%+v", ds)
		}
	})
	t.Run("blast radius per run", func(t *testing.T) {
		f := newFixture(t, func(c *Config) { c.MaxPerRun = 1 })
		f.inv.res["i-2"] = &Resource{Ref: resource.Ref{Kind: resource.Instance, ID: "i-2"}, State: resource.Stopped, Exists: true, Tags: map[string]string{"Protected": "true"}}
		f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped"))
		f.clock = f.clock.Add(time.Hour)
		if d := one(t, f.eng.Handle(ctx, stateEvent("e2", "i-2", "stopped"))); d.Outcome != Suppressed || RateLimited(d) {
			t.Fatalf("%+v", d)
		}
	})
	t.Run("resource gone", func(t *testing.T) {
		f := newFixture(t, nil)
		if d := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-gone", "stopped"))); d.Outcome != Skipped || d.Reason != "the resource no longer exists" {
			t.Fatalf("%+v", d)
		}
	})
	t.Run("inventory fails", func(t *testing.T) {
		f := newFixture(t, nil)
		f.inv.err = errors.New("throttled")
		if d := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped"))); d.Outcome != Failed || d.Error != "throttled" {
			t.Fatalf("%+v", d)
		}
	})
	t.Run("action fails", func(t *testing.T) {
		f := newFixture(t, nil)
		f.eng.Handle(ctx, stateEvent("e0", "i-open", "running")) // builds nothing new; recorders exist
		f.acts["start"].result = &Result{Outcome: Failed, Reason: "starting", Err: errors.New("boom")}
		d := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped")))
		if d.Outcome != Failed || d.Error != "boom" {
			t.Fatalf("%+v", d)
		}
		f.acts["start"].result = nil // a failed action is not remembered: a redelivery retries it
		if d := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped"))); d.Outcome != Applied {
			t.Fatalf("retry: %+v", d)
		}
	})
}

func cloudTrail(t *testing.T, id, arn, extra string) *event.Event {
	t.Helper()
	e, err := event.Parse([]byte(`{"id":"` + id + `","source":"aws.ec2","detail-type":"AWS API Call via CloudTrail","region":"us-east-1","detail":{"eventName":"RunInstances","userIdentity":{"type":"AssumedRole","arn":"` + arn + `","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::123456789012:role/ec2guard"}}}` + extra + `,"responseElements":{"instancesSet":{"items":[{"instanceId":"i-a"},{"instanceId":"i-b"}]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestHandleCloudTrail(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, func(c *Config) { c.Self = []string{"arn:aws:iam::123456789012:role/ec2guard"} })
	ds := f.eng.Handle(ctx, cloudTrail(t, "c1", "arn:aws:sts::123456789012:assumed-role/dev/bob", ""))
	// The session issuer is ec2guard's role: this is its own call.
	if d := one(t, ds); d.Outcome != Skipped || !strings.Contains(d.Reason, "ec2guard's own identity") {
		t.Fatalf("%+v", d)
	}
	// An assumed-role ARN (what STS says ec2guard is) matches every session of its role.
	h := newFixture(t, func(c *Config) { c.Self = []string{"arn:aws:sts::123456789012:assumed-role/dev/ec2guard-session-1"} })
	if d := one(t, h.eng.Handle(ctx, cloudTrail(t, "c9", "arn:aws:sts::123456789012:assumed-role/dev/other-session", ""))); d.Outcome != Skipped {
		t.Fatalf("other session of the same role: %+v", d)
	}
	g := newFixture(t, nil)
	ds = g.eng.Handle(ctx, cloudTrail(t, "c2", "arn:aws:sts::123456789012:assumed-role/dev/bob", ""))
	if len(ds) != 2 || ds[0].Resource != "i-a" || ds[1].Resource != "i-b" || ds[0].Outcome != Applied || ds[0].EventName != "RunInstances" {
		t.Fatalf("%+v", ds)
	}
	ds = g.eng.Handle(ctx, cloudTrail(t, "c3", "arn:aws:sts::123456789012:assumed-role/dev/bob", `,"errorCode":"Client.UnauthorizedOperation"`))
	if d := one(t, ds); d.Outcome != Skipped || !strings.Contains(d.Reason, "Client.UnauthorizedOperation") {
		t.Fatalf("%+v", d)
	}
}

func BenchmarkHandleNoMatch(b *testing.B) {
	f := newFixture(&testing.T{}, nil)
	ev := cloudTrailForBench()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f.eng.Handle(context.Background(), ev)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func cloudTrailForBench() *event.Event {
	e, err := event.Parse([]byte(`{"id":"b1","source":"aws.ec2","detail-type":"AWS API Call via CloudTrail","region":"us-east-1","detail":{"eventName":"DescribeInstances","eventSource":"ec2.amazonaws.com","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/bob","userName":"bob"},"requestParameters":{"filterSet":{}},"responseElements":null}}`))
	if err != nil {
		panic(err)
	}
	return e
}

func TestSuppressionReachesNotify(t *testing.T) {
	set, err := rules.Load("r.yaml", []byte(`rules:
  - name: r
    pattern: {source: [aws.ec2]}
    actions: [start, stop, {notify: {topic: t}}]
    mode: enforce
`), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	acts := map[string]*recorder{}
	eng, err := New(Config{Rules: set, LoopBudget: 1, NewAction: func(s rules.ActionSpec) (Action, error) {
		r := &recorder{name: s.Name, mutating: s.Name != "notify"}
		acts[s.Name] = r
		return r, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	ds := eng.Handle(context.Background(), stateEvent("e1", "i-1", "stopped"))
	if len(ds) != 3 || ds[0].Outcome != Applied || ds[1].Outcome != Suppressed || ds[2].Outcome != Applied {
		t.Fatalf("%+v", ds)
	}
	got := acts["notify"].calls[0].Earlier
	if len(got) != 2 || got[0] != (Step{Action: "start", Mutating: true, Outcome: Applied, Reason: "started"}) ||
		got[1].Action != "stop" || got[1].Outcome != Suppressed || !strings.HasPrefix(got[1].Reason, "loop budget") {
		t.Fatalf("notify saw Earlier = %+v", got)
	}
}

// budgetFunc is a Budget of our own interface, answering with a function.
type budgetFunc func(resource string) (Exceeded, error)

func (f budgetFunc) Take(_ context.Context, resource string, _ time.Time, _ Limits) (Exceeded, error) {
	return f(resource)
}

func TestSharedBudget(t *testing.T) {
	ctx := context.Background()
	t.Run("its verdict holds", func(t *testing.T) {
		f := newFixture(t, func(c *Config) {
			c.Budget = budgetFunc(func(string) (Exceeded, error) { return MinuteCapExceeded, nil })
		})
		d := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped")))
		if d.Outcome != Suppressed || d.Reason != "blast radius: 30 mutating actions in the last minute already (cap 30)" || len(f.acts["start"].calls) != 0 {
			t.Fatalf("%+v", d)
		}
	})
	t.Run("unreachable: this process counts", func(t *testing.T) {
		f := newFixture(t, func(c *Config) {
			c.LoopBudget = 1
			c.Budget = budgetFunc(func(string) (Exceeded, error) { return LoopBudgetExceeded, errors.New("table unreachable") })
		})
		if d := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped"))); d.Outcome != Applied {
			t.Fatalf("first: %+v", d)
		}
		if d := one(t, f.eng.Handle(ctx, stateEvent("e2", "i-prot", "stopped"))); d.Outcome != Suppressed || !strings.Contains(d.Reason, "loop budget: 1 mutating action on instance:i-prot") {
			t.Fatalf("second: %+v", d)
		}
	})
	t.Run("a held-back action does not use up the per-run cap", func(t *testing.T) {
		n := 0
		f := newFixture(t, func(c *Config) {
			c.MaxPerRun = 1
			c.Budget = budgetFunc(func(string) (Exceeded, error) {
				n++
				if n == 1 {
					return LoopBudgetExceeded, nil
				}
				return WithinLimits, nil
			})
		})
		f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped"))
		if d := one(t, f.eng.Handle(ctx, stateEvent("e2", "i-prot", "stopped"))); d.Outcome != Applied {
			t.Fatalf("%+v", d)
		}
	})
}

// Two workers of one process given the same event at once: one acts, the other leaves it to
// a retry.
func TestSameKeyInTwoWorkers(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	release := make(chan struct{})
	started := make(chan struct{})
	slow := &blockingAction{recorder: f.acts["start"], started: started, release: release}
	f.eng.actions[0][0] = slow
	var first []Decision
	done := make(chan struct{})
	go func() { first = f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped")); close(done) }()
	<-started
	second := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped")))
	close(release)
	<-done
	if one(t, first).Outcome != Applied || second.Outcome != Failed || second.Error != "claimed by another process" {
		t.Fatalf("first %+v\nsecond %+v", first, second)
	}
	if d := one(t, f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped"))); d.Outcome != Duplicate {
		t.Fatalf("the retry: %+v", d)
	}
}

// blockingAction runs its recorder once released.
type blockingAction struct {
	*recorder
	started, release chan struct{}
}

func (b *blockingAction) Do(ctx context.Context, inv Invocation) Result {
	close(b.started)
	<-b.release
	return b.recorder.Do(ctx, inv)
}

// A long-running process forgets what it no longer needs: keys past their time (an hour when
// a ledger remembers them longer) and resources with no action in the loop window.
func TestProcessMemoryIsBounded(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name   string
		ledger Ledger
		after  time.Duration // when the first keys are forgotten
	}{
		{"no ledger", nil, 7 * 24 * time.Hour},
		{"ledger", &mapLedger{m: map[string]string{}}, time.Hour},
	} {
		e := &Engine{cfg: Config{LedgerTTL: 7 * 24 * time.Hour, Ledger: c.ledger}, done: map[string]time.Time{}, sweepAt: 1024}
		for i := range 5000 {
			e.rememberLocked(fmt.Sprint("old", i), t0)
		}
		later := t0.Add(c.after - time.Second)
		for i := range 5000 {
			e.rememberLocked(fmt.Sprint("new", i), later)
		}
		if len(e.done) != 10000 {
			t.Fatalf("%s: %d keys remembered before they expire, want 10000", c.name, len(e.done))
		}
		for i := range 12000 {
			e.rememberLocked(fmt.Sprint("newer", i), t0.Add(c.after))
		}
		// Memory holds at most twice the keys still in time (sweeps come as it doubles).
		if _, ok := e.done["old1"]; ok || len(e.done) > 2*17000 {
			t.Errorf("%s: %d keys remembered, the expired ones among them", c.name, len(e.done))
		}
		if _, ok := e.done["new1"]; !ok {
			t.Errorf("%s: a key forgotten before its time", c.name)
		}
	}

	b := newLocalBudget()
	l := Limits{LoopBudget: 3, LoopWindow: 10 * time.Minute}
	for i := range 5000 {
		b.Take(context.Background(), fmt.Sprint("instance:i-old", i), t0, l)
	}
	for i := range 5000 {
		b.Take(context.Background(), fmt.Sprint("instance:i-new", i), t0.Add(11*time.Minute), l)
	}
	if _, ok := b.perRes["instance:i-old1"]; ok || len(b.perRes) > 5000 {
		t.Errorf("%d resources held by the loop budget, idle ones among them", len(b.perRes))
	}
}

// startNotify is an engine of one rule, [start, notify], over recorders; ledger may be nil.
func startNotify(t *testing.T, ledger Ledger) (*Engine, map[string]*recorder) {
	t.Helper()
	set, err := rules.Load("r.yaml", []byte(`rules:
  - name: restart
    pattern: {source: [aws.ec2], detail: {state: [stopped]}}
    actions: [start, notify]
    mode: enforce
`), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	acts := map[string]*recorder{}
	eng, err := New(Config{Rules: set, Ledger: ledger, NewAction: func(s rules.ActionSpec) (Action, error) {
		r := &recorder{name: s.Name, mutating: s.Name != "notify"}
		acts[s.Name] = r
		return r, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return eng, acts
}

// An action that fails is passed on to the rule's later actions (notify tells of it).
func TestFailedActionsReachLaterActions(t *testing.T) {
	eng, acts := startNotify(t, nil)
	acts["start"].result = &Result{Outcome: Failed, Reason: "starting failed", Err: errors.New("UnauthorizedOperation")}
	ds := eng.Handle(context.Background(), stateEvent("e1", "i-1", "stopped"))
	if len(ds) != 2 || ds[0].Outcome != Failed || ds[1].Outcome != Applied {
		t.Fatalf("decisions %+v", ds)
	}
	if got := acts["notify"].calls[0].Earlier; len(got) != 1 || got[0] != (Step{Action: "start", Mutating: true, Outcome: Failed, Reason: "starting failed", Error: "UnauthorizedOperation"}) {
		t.Fatalf("notify was told %+v", got)
	}
	// The retry that succeeds is told too, once; a further delivery is a duplicate throughout.
	acts["start"].result = nil
	ds = eng.Handle(context.Background(), stateEvent("e1", "i-1", "stopped"))
	if len(ds) != 2 || ds[0].Outcome != Applied || ds[1].Outcome != Applied || len(acts["notify"].calls) != 2 || acts["notify"].calls[1].Earlier[0].Outcome != Applied {
		t.Fatalf("retry: %+v, %d notifications", ds, len(acts["notify"].calls))
	}
	ds = eng.Handle(context.Background(), stateEvent("e1", "i-1", "stopped"))
	if len(ds) != 2 || ds[0].Outcome != Duplicate || ds[1].Outcome != Duplicate {
		t.Fatalf("redelivery: %+v", ds)
	}
}

func TestAnyAccountSelf(t *testing.T) {
	const self = "arn:aws:iam::*:role/ec2guard-remediation"
	for _, c := range []struct {
		arn  string
		want bool
	}{
		{"arn:aws:sts::222222222222:assumed-role/ec2guard-remediation/ec2guard", true},
		{"arn:aws:iam::333333333333:role/ec2guard-remediation", true},
		{"arn:aws:sts::222222222222:assumed-role/ec2guard-remediation-other/x", false},
		{"arn:aws:sts::222222222222:assumed-role/Dev/alice", false},
		{"arn:aws:iam::222222222222:user/ec2guard-remediation", false},
		{"arn:aws-cn:sts::222222222222:assumed-role/ec2guard-remediation/ec2guard", false},
		{"", false},
	} {
		if got := anyAccount(self, c.arn); got != c.want {
			t.Errorf("anyAccount(%s) = %v, want %v", c.arn, got, c.want)
		}
	}
	if anyAccount("arn:aws:iam::111111111111:role/ec2guard-remediation", "arn:aws:iam::111111111111:role/ec2guard-remediation") {
		t.Error("an entry with an account is not a pattern")
	}
	e := &Engine{cfg: Config{Self: []string{self}}}
	var id event.UserIdentity
	id.ARN = "arn:aws:sts::222222222222:assumed-role/ec2guard-remediation/ec2guard"
	if !e.isSelf(id) {
		t.Error("a member account's remediation session is not ec2guard itself")
	}
}

// skipOnce is a mutating action that finds nothing to do the first n times (stale events),
// then acts, asking the budget right before its mutating call as real actions do.
type skipOnce struct {
	recorder
	stale int
	asks  int
}

func (s *skipOnce) Do(ctx context.Context, inv Invocation) Result {
	if s.stale > 0 {
		s.stale--
		return Result{Outcome: Skipped, Reason: "running: nothing to start"}
	}
	s.asks++
	if err := inv.MayMutate(ctx); err != nil {
		return HeldBackResult(err)
	}
	if err := inv.MayMutate(ctx); err != nil { // asking again takes nothing more
		return HeldBackResult(err)
	}
	return Result{Outcome: Applied, Reason: "started"}
}

// Only what mutates uses up the budgets: skipped actions (stale events) count nothing.
func TestBudgetCountsWhatMutated(t *testing.T) {
	ctx := context.Background()
	t.Run("loop budget", func(t *testing.T) {
		f := newFixture(t, nil) // loop budget 3
		act := &skipOnce{recorder: recorder{name: "start", mutating: true}, stale: 3}
		f.eng.actions[0][0] = act
		var got []string
		for i := range 6 {
			got = append(got, string(one(t, f.eng.Handle(ctx, stateEvent(fmt.Sprint("e", i), "i-prot", "stopped"))).Outcome))
		}
		if strings.Join(got, ",") != "skipped,skipped,skipped,applied,applied,applied" {
			t.Fatalf("%v", got)
		}
		d := one(t, f.eng.Handle(ctx, stateEvent("e9", "i-prot", "stopped")))
		if d.Outcome != Suppressed || !strings.Contains(d.Reason, "loop budget: 3") || RateLimited(d) {
			t.Fatalf("the fourth real start: %+v", d)
		}
	})
	t.Run("per-minute and per-run caps", func(t *testing.T) {
		for _, c := range []struct {
			name string
			cfg  func(*Config)
			want string
		}{
			{"per minute", func(c *Config) { c.MaxPerMinute = 1 }, "blast radius: 1 mutating action in the last minute"},
			{"per run", func(c *Config) { c.MaxPerRun = 1 }, "blast radius: 1 mutating action in this run"},
		} {
			f := newFixture(t, c.cfg)
			act := &skipOnce{recorder: recorder{name: "start", mutating: true}, stale: 2}
			f.eng.actions[0][0] = act
			for i := range 2 {
				f.inv.res[fmt.Sprint("i-", i)] = &Resource{Ref: resource.Ref{Kind: resource.Instance, ID: fmt.Sprint("i-", i)}, State: resource.Stopped, Exists: true, Tags: map[string]string{"Protected": "true"}}
			}
			var got []string
			for i, id := range []string{"i-prot", "i-prot", "i-0", "i-1"} {
				d := one(t, f.eng.Handle(ctx, stateEvent(fmt.Sprint("e", i), id, "stopped")))
				got = append(got, string(d.Outcome))
				if d.Outcome == Suppressed && !strings.Contains(d.Reason, c.want) {
					t.Errorf("%s: %+v", c.name, d)
				}
			}
			if strings.Join(got, ",") != "skipped,skipped,applied,suppressed" {
				t.Errorf("%s: %v", c.name, got)
			}
		}
	})
	t.Run("an action that mutates without asking is still counted", func(t *testing.T) {
		f := newFixture(t, func(c *Config) { c.LoopBudget = 1 })
		f.eng.actions[0][0] = &recorder{name: "start", mutating: true, result: &Result{Outcome: Applied, Reason: "started"}}
		one(t, f.eng.Handle(ctx, stateEvent("e1", "i-prot", "stopped")))
		f.eng.actions[0][0] = &skipOnce{recorder: recorder{name: "start", mutating: true}}
		if d := one(t, f.eng.Handle(ctx, stateEvent("e2", "i-prot", "stopped"))); d.Outcome != Suppressed {
			t.Fatalf("%+v", d)
		}
	})
}

// The record of an event no rule matched names the API call, as a matched one does.
func TestNoMatchRecordNamesTheCall(t *testing.T) {
	f := newFixture(t, nil)
	got := one(t, f.eng.Handle(context.Background(), cloudTrailForBench()))
	want := Decision{
		Time: "2026-11-22T10:00:00Z", EventID: "b1", EventSource: "aws.ec2", DetailType: event.DetailTypeAPICall,
		EventName: "DescribeInstances", Region: "us-east-1", Outcome: Skipped, Reason: "no rule matched",
	}
	if got != want {
		t.Fatalf("record\n%+v\nwant\n%+v", got, want)
	}
	// A state change has no call name.
	if d := one(t, f.eng.Handle(context.Background(), stateEvent("s1", "i-1", "pending"))); d.EventName != "" || d.Reason != "no rule matched" {
		t.Fatalf("state change: %+v", d)
	}
}

// A failed action's record: reason what was being done, error why it failed, each once.
func TestFailedRecordReasonAndError(t *testing.T) {
	f := newFixture(t, nil)
	f.eng.actions[0][0] = &recorder{name: "start", mutating: true, result: &Result{Outcome: Failed, Reason: "starting i-prot", Err: errors.New("starting i-prot: InsufficientInstanceCapacity")}}
	d := one(t, f.eng.Handle(context.Background(), stateEvent("e1", "i-prot", "stopped")))
	if d.Outcome != Failed || d.Reason != "starting i-prot" || d.Error != "InsufficientInstanceCapacity" || d.Why() != "starting i-prot: InsufficientInstanceCapacity" {
		t.Fatalf("%+v, why %q", d, d.Why())
	}
	for _, c := range []struct{ reason, err, want string }{
		{"publishing to t", "acting in account 1: denied", "publishing to t: acting in account 1: denied"},
		{"no rule matched", "", "no rule matched"},
		{"", "boom", "boom"},
		{"boom", "boom", "boom"},
	} {
		if got := (Decision{Reason: c.reason, Error: c.err}).Why(); got != c.want {
			t.Errorf("Why(%q, %q) = %q, want %q", c.reason, c.err, got, c.want)
		}
	}
}

// The notify after an action another process is acting on is that process's to send: it is
// left for the retry, not sent with half the story.
func TestNotifyAfterAClaimHeldElsewhere(t *testing.T) {
	l := &mapLedger{m: map[string]string{"e1|restart|0:start|instance:i-1": "someone else"}}
	eng, acts := startNotify(t, l)
	ds := eng.Handle(context.Background(), stateEvent("e1", "i-1", "stopped"))
	if len(ds) != 2 || ds[1].Outcome != Failed || ds[1].Error != ErrClaimed || ds[1].Again != AgainAfterClaim || len(acts["notify"].calls) != 0 {
		t.Fatalf("%+v, %d notifications", ds, len(acts["notify"].calls))
	}
	if _, ok := l.m["e1|restart|1:notify|instance:i-1"]; ok {
		t.Fatal("the notify's key was claimed")
	}
}

// An event whose source is not AWS's is whatever a principal allowed events:PutEvents sent:
// a rule whose pattern admits it records it as skipped, and nothing acts or reads.
func TestForeignSource(t *testing.T) {
	set, err := rules.Load("any.yaml", []byte(`rules:
  - name: any-stopped
    pattern: {detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    actions: [start]
    mode: enforce
  - name: any-run
    pattern: {detail: {eventName: [RunInstances]}}
    actions: [{tag: {tags: {Owner: x}}}]
    mode: enforce
`), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	parse := func(s string) *event.Event {
		e, err := event.Parse([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	run := `"detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"RunInstances","eventSource":"ec2.amazonaws.com","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/mallory"},"responseElements":{"instancesSet":{"items":[{"instanceId":"i-prot"}]}}}}`
	for _, c := range []struct {
		name, event, rule, reason string
	}{
		{"a custom source", `{"id":"f1","source":"mallory.app",` + run, "any-run",
			`the event's source "mallory.app" is not AWS's (aws....): not acted on, since any principal allowed events:PutEvents can send it`},
		{"aws in other case", `{"id":"f2","source":"AWS.ec2",` + run, "any-run",
			`the event's source "AWS.ec2" is not AWS's (aws....): not acted on, since any principal allowed events:PutEvents can send it`},
		{"a state change not from EC2", `{"id":"f3","source":"aws.securityhub","detail-type":"EC2 Instance State-change Notification","detail":{"instance-id":"i-prot","state":"stopped"}}`, "any-stopped",
			`the event's source "aws.securityhub" is not EC2's (aws.ec2): not acted on, since any principal allowed events:PutEvents can send it`},
		{"a custom state change", `{"id":"f4","source":"mallory.app","detail-type":"EC2 Instance State-change Notification","detail":{"instance-id":"i-prot","state":"stopped"}}`, "any-stopped",
			`the event's source "mallory.app" is not EC2's (aws.ec2): not acted on, since any principal allowed events:PutEvents can send it`},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, func(cfg *Config) { cfg.Rules = set })
			f.inv.err = errors.New("the inventory was read")
			d := one(t, f.eng.Handle(context.Background(), parse(c.event)))
			if d.Rule != c.rule || d.Outcome != Skipped || d.Reason != c.reason || d.Action != "" || d.Resource != "" {
				t.Fatalf("%+v", d)
			}
			for name, r := range f.acts {
				if len(r.calls) > 0 {
					t.Errorf("%s was called: %+v", name, r.calls)
				}
			}
		})
	}
	// The same events from AWS are acted on.
	f := newFixture(t, func(cfg *Config) { cfg.Rules = set })
	if d := one(t, f.eng.Handle(context.Background(), stateEvent("g1", "i-prot", "stopped"))); d.Rule != "any-stopped" || d.Outcome != Applied {
		t.Fatalf("%+v", d)
	}
	ds := f.eng.Handle(context.Background(), parse(`{"id":"g2","source":"aws.ec2",`+run))
	if len(ds) != 1 || ds[0].Rule != "any-run" || ds[0].Outcome != Applied || ds[0].Resource != "i-prot" {
		t.Fatalf("%+v", ds)
	}
}
