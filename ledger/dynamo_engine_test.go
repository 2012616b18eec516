package ledger

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/rules"
)

// calls counts the calls of the actions of every engine of a test, as one fleet would see them.
type calls struct {
	mu  sync.Mutex
	got []engine.Invocation
}

// action is an engine.Action of ours (not an imitation of AWS): it records its calls and
// takes a little while, so that engines running at once overlap.
type action struct {
	name  string
	calls *calls
	delay time.Duration
	skip  string // finds nothing to do, and says this
}

func (a *action) Name() string   { return a.name }
func (a *action) Mutating() bool { return a.name != "notify" }
func (a *action) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	time.Sleep(a.delay)
	if a.skip != "" {
		a.calls.mu.Lock()
		a.calls.got = append(a.calls.got, inv)
		a.calls.mu.Unlock()
		return engine.Result{Outcome: engine.Skipped, Reason: a.skip}
	}
	if a.Mutating() {
		if err := inv.MayMutate(ctx); err != nil { // as real actions do, right before mutating
			return engine.HeldBackResult(err)
		}
	}
	a.calls.mu.Lock()
	a.calls.got = append(a.calls.got, inv)
	a.calls.mu.Unlock()
	return engine.Result{Outcome: engine.Applied, Reason: a.name + "ed"}
}

// store is a ledger that counts the budgets too: the table, or a bbolt file.
type store interface {
	engine.Ledger
	engine.Budget
}

// newEngine prepares a fresh engine — a new process, as a Lambda invocation may be — whose
// ledger and budget are the store.
func newEngine(t *testing.T, store store, c *calls, now func() time.Time, tweak func(*engine.Config)) *engine.Engine {
	t.Helper()
	set, err := rules.Load("r.yaml", []byte(`rules:
  - name: restart
    pattern: {source: [aws.ec2], detail: {state: [stopped]}}
    actions: [start, {notify: {topic: t}}]
    mode: enforce
`), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.Config{
		Rules: set, Ledger: store, Budget: store, Now: now,
		NewAction: func(s rules.ActionSpec) (engine.Action, error) {
			return &action{name: s.Name, calls: c, delay: 50 * time.Millisecond}, nil
		},
	}
	if tweak != nil {
		tweak(&cfg)
	}
	eng, err := engine.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func stopped(id, instance string) *event.Event {
	e, err := event.Parse(fmt.Appendf(nil, `{"id":%q,"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","account":"123456789012","region":"us-east-1","detail":{"instance-id":%q,"state":"stopped"}}`, id, instance))
	if err != nil {
		panic(err)
	}
	return e
}

func outcomes(ds []engine.Decision) string {
	var s []string
	for _, d := range ds {
		s = append(s, d.Action+"="+string(d.Outcome))
	}
	return strings.Join(s, ",")
}

func TestEnginesShareTheTable(t *testing.T) {
	ctx := context.Background()
	clock := func() time.Time { return t0 }

	t.Run("an event is acted on once across processes", func(t *testing.T) {
		a, b, _ := newTable(t)
		c := &calls{}
		if got := outcomes(newEngine(t, a, c, clock, nil).Handle(ctx, stopped("e1", "i-1"))); got != "start=applied,notify=applied" {
			t.Fatal(got)
		}
		if got := outcomes(newEngine(t, b, c, clock, nil).Handle(ctx, stopped("e1", "i-1"))); got != "start=duplicate,notify=duplicate" {
			t.Fatal(got)
		}
		if len(c.got) != 2 {
			t.Fatalf("%d action calls, want 2", len(c.got))
		}
	})

	t.Run("two processes given one event at once: one acts", func(t *testing.T) {
		a, b, _ := newTable(t)
		c := &calls{}
		engines := []*engine.Engine{newEngine(t, a, c, clock, nil), newEngine(t, b, c, clock, nil)}
		results := make([][]engine.Decision, 2)
		var wg sync.WaitGroup
		for i, eng := range engines {
			wg.Go(func() { results[i] = eng.Handle(ctx, stopped("e2", "i-2")) })
		}
		wg.Wait()
		applied := 0
		for _, ds := range results {
			for _, d := range ds {
				switch {
				case d.Outcome == engine.Applied:
					applied++
				case d.Outcome == engine.Duplicate,
					d.Outcome == engine.Failed && d.Error == "claimed by another process":
				default:
					t.Fatalf("unexpected %+v", d)
				}
			}
		}
		t.Logf("%s | %s", outcomes(results[0]), outcomes(results[1]))
		if applied != 2 || len(c.got) != 2 {
			t.Fatalf("%d applied, %d calls, want 2 (start and notify once): %s | %s", applied, len(c.got), outcomes(results[0]), outcomes(results[1]))
		}
	})

	t.Run("expiry follows the engine's clock", func(t *testing.T) {
		a, b, _ := newTable(t)
		c := &calls{}
		now := t0
		clock := func() time.Time { return now }
		ttl := func(cfg *engine.Config) { cfg.LedgerTTL = time.Hour }
		newEngine(t, a, c, clock, ttl).Handle(ctx, stopped("e3", "i-3"))
		now = t0.Add(59 * time.Minute)
		if got := outcomes(newEngine(t, b, c, clock, ttl).Handle(ctx, stopped("e3", "i-3"))); got != "start=duplicate,notify=duplicate" {
			t.Fatalf("within the TTL: %s", got)
		}
		now = t0.Add(61 * time.Minute)
		if got := outcomes(newEngine(t, b, c, clock, ttl).Handle(ctx, stopped("e3", "i-3"))); got != "start=applied,notify=applied" {
			t.Fatalf("after the TTL: %s", got)
		}
	})

	t.Run("the loop budget holds across invocations, and notify is told", func(t *testing.T) {
		a, b, _ := newTable(t)
		c := &calls{}
		now := t0
		clock := func() time.Time { return now }
		budget := func(cfg *engine.Config) { cfg.LoopBudget = 2 }
		var last []engine.Decision
		for i := range 3 {
			store := []*Dynamo{a, b}[i%2]
			last = newEngine(t, store, c, clock, budget).Handle(ctx, stopped(fmt.Sprint("loop-", i), "i-4"))
			now = now.Add(time.Minute)
		}
		if got := outcomes(last); got != "start=suppressed,notify=applied" || !strings.Contains(last[0].Reason, "loop budget: 2 mutating actions on instance:i-4") {
			t.Fatalf("third invocation: %s %+v", got, last)
		}
		c.mu.Lock()
		notify := c.got[len(c.got)-1]
		c.mu.Unlock()
		if e := notify.Earlier; notify.Rule != "restart" || len(e) != 1 || e[0].Outcome != engine.Suppressed || !strings.HasPrefix(e[0].Reason, "loop budget") {
			t.Fatalf("notify saw Earlier = %+v", e)
		}
		// The in-process budget alone would have let every fresh engine act.
		d := newEngine(t, a, c, clock, func(cfg *engine.Config) { budget(cfg); cfg.Budget = nil }).Handle(ctx, stopped("loop-9", "i-4"))
		if got := outcomes(d); got != "start=applied,notify=applied" {
			t.Fatalf("without the shared budget: %s", got)
		}
	})
}

// A process that claimed an action, acted and died before recording it leaves its retry
// nothing to do: the retry takes the lapsed claim over (the table's after its lease, a bbolt
// file's at once, since the file's lock says its holder is gone), records the skip as what an
// earlier attempt may have done, and the rule's notify sees that (Step.Resumed). A skip on a
// key nobody held is not.
func TestRetryOfADeadAttempt(t *testing.T) {
	ctx := context.Background()
	const key = "e5|restart|0:start|instance:i-5"
	nothingToDo := func(c *calls) func(*engine.Config) {
		return func(cfg *engine.Config) {
			cfg.NewAction = func(s rules.ActionSpec) (engine.Action, error) {
				if s.Name == "start" {
					return &action{name: s.Name, calls: c, skip: "running: nothing to start"}, nil
				}
				return &action{name: s.Name, calls: c}, nil
			}
		}
	}
	check := func(t *testing.T, ds []engine.Decision, c *calls, resumed bool) {
		t.Helper()
		if got := outcomes(ds); got != "start=skipped,notify=applied" {
			t.Fatalf("%s %+v", got, ds)
		}
		if strings.Contains(ds[0].Reason, engine.EarlierAttempt) != resumed {
			t.Fatalf("start's reason %q (resumed %v)", ds[0].Reason, resumed)
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		notify := c.got[len(c.got)-1]
		if e := notify.Earlier; len(e) != 1 || e[0].Resumed != resumed || e[0].Outcome != engine.Skipped {
			t.Fatalf("notify saw Earlier = %+v, want resumed %v", e, resumed)
		}
	}
	t.Run("state table", func(t *testing.T) {
		a, b, _ := newTable(t)
		if st, err := a.Claim(ctx, key, "dead", t0, time.Minute); st != engine.Claimed || err != nil {
			t.Fatalf("%v %v", st, err)
		}
		c := &calls{}
		later := func() time.Time { return t0.Add(2 * time.Minute) }
		check(t, newEngine(t, b, c, later, nothingToDo(c)).Handle(ctx, stopped("e5", "i-5")), c, true)
		check(t, newEngine(t, b, c, later, nothingToDo(c)).Handle(ctx, stopped("e6", "i-5")), c, false)
	})
	t.Run("bbolt file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "ledger.db")
		l, err := Open(path, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if st, err := l.Claim(ctx, key, "dead", time.Now(), time.Minute); st != engine.Claimed || err != nil {
			t.Fatalf("%v %v", st, err)
		}
		l.Close()
		if l, err = Open(path, time.Second); err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		c := &calls{}
		check(t, newEngine(t, l, c, time.Now, nothingToDo(c)).Handle(ctx, stopped("e5", "i-5")), c, true)
		check(t, newEngine(t, l, c, time.Now, nothingToDo(c)).Handle(ctx, stopped("e6", "i-5")), c, false)
	})
}
