package engine

import (
	"context"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

// marker is a Marker of our own interface: it edits the tags of an in-memory inventory's
// resources, which later reads see.
type marker struct {
	mu  sync.Mutex
	inv *inventory
	log []string
}

func (m *marker) SetTag(_ context.Context, ref resource.Ref, k, v string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.inv.res[ref.ID]
	r.Tags = maps.Clone(r.Tags)
	if r.Tags == nil {
		r.Tags = map[string]string{}
	}
	r.Tags[k] = v
	m.log = append(m.log, "set "+ref.ID+" "+k+"="+v)
	return nil
}

func (m *marker) DeleteTag(_ context.Context, ref resource.Ref, k string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.inv.res[ref.ID]
	r.Tags = maps.Clone(r.Tags)
	delete(r.Tags, k)
	m.log = append(m.log, "delete "+ref.ID+" "+k)
	return nil
}

const graceRules = `calendars:
  fr: {timezone: Europe/Paris, dates: [2026-12-25]}
rules:
  - name: require-exception
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    filters: [{tag: SPECIAL_EXCEPTION, absent: true}]
    grace: {business-days: 2, calendar: fr}
    actions: [stop, notify]
    mode: enforce
`

type graceWorld struct {
	t      *testing.T
	now    time.Time
	ledger *mapLedger
	acts   map[string][]*recorder
}

// engine builds an engine on inv sharing the world's clock and ledger, as a second process
// sharing the state table would.
func (w *graceWorld) engine(inv *inventory, m *marker) *Engine {
	set, err := rules.Load("r.yaml", []byte(graceRules), rules.Options{})
	if err != nil {
		w.t.Fatal(err)
	}
	eng, err := New(Config{
		Rules: set, Inventory: inv, Marker: m, Ledger: w.ledger, Now: func() time.Time { return w.now },
		NewAction: func(s rules.ActionSpec) (Action, error) {
			r := &recorder{name: s.Name, mutating: s.Name == "stop"}
			w.acts[s.Name] = append(w.acts[s.Name], r)
			return r, nil
		},
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return eng
}

func summary(ds []Decision) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, d.Action+" "+string(d.Outcome)+": "+d.Reason)
	}
	return strings.Join(parts, " | ")
}

func TestGrace(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	w := &graceWorld{t: t, ledger: &mapLedger{m: map[string]string{}}, acts: map[string][]*recorder{}}
	running := func(id string, tags map[string]string) *Resource {
		return &Resource{Ref: resource.Ref{Kind: resource.Instance, ID: id}, Exists: true, State: resource.Running, Tags: tags}
	}
	inv := &inventory{res: map[string]*Resource{"i-1": running("i-1", nil), "i-2": running("i-2", nil),
		"i-3": running("i-3", map[string]string{PendingTag("require-exception"): "stop@2027-06-01T00:00:00Z"})}}
	m := &marker{inv: inv}
	eng := w.engine(inv, m)
	handle := func(eng *Engine, ev, id string) string {
		return summary(eng.Handle(t.Context(), stateEvent(ev, id, "running")))
	}

	// Thursday 24 December, 10:00 in Paris: 2 business days skip Christmas and the weekend.
	w.now = time.Date(2026, 12, 24, 10, 0, 0, 0, paris)
	got := handle(eng, "e-1", "i-1")
	if want := "stop pending: grace 2 business days (fr): due 2026-12-29T09:00:00Z, acted on then if the resource still fails (tag ec2guard:pending:require-exception) | notify applied"; got != want+": notifyed" {
		t.Fatalf("first failure: %s", got)
	}
	if inv.res["i-1"].Tags[PendingTag("require-exception")] != "stop@2026-12-29T09:00:00Z" {
		t.Fatalf("tag: %v", inv.res["i-1"].Tags)
	}
	told := w.acts["notify"][0].calls[0].Earlier
	if len(told) != 1 || told[0].Outcome != Pending || !strings.Contains(told[0].Reason, "due 2026-12-29T09:00:00Z") {
		t.Errorf("the notification was told %+v", told)
	}

	// Before it is due: left alone, nobody told again.
	w.now = time.Date(2026, 12, 29, 9, 59, 0, 0, paris)
	if got := handle(eng, "e-2", "i-1"); got != " skipped: pending: stop due 2026-12-29T09:00:00Z (tag ec2guard:pending:require-exception); acted on then if the resource still fails" {
		t.Errorf("not yet due: %s", got)
	}

	// Due: two processes sharing the ledger read the resource at once; the stop is taken once.
	w.now = time.Date(2026, 12, 29, 10, 0, 0, 0, paris)
	stale := &inventory{res: map[string]*Resource{"i-1": running("i-1", maps.Clone(inv.res["i-1"].Tags))}}
	other := w.engine(stale, &marker{inv: stale})
	first, second := handle(eng, "scan-a", "i-1"), handle(other, "scan-b", "i-1")
	if !strings.HasPrefix(first, "stop applied") || !strings.HasPrefix(second, "stop duplicate") {
		t.Errorf("due:\n%s\n%s", first, second)
	}
	if _, ok := inv.res["i-1"].Tags[PendingTag("require-exception")]; ok {
		t.Errorf("the tag stays after the stop: %v", inv.res["i-1"].Tags)
	}
	stops := 0
	for _, r := range w.acts["stop"] {
		stops += len(r.calls)
	}
	if stops != 1 {
		t.Errorf("%d stops", stops)
	}

	// Fixed in time: the tag goes, the record says so.
	w.now = time.Date(2026, 12, 29, 10, 0, 0, 0, paris)
	handle(eng, "e-3", "i-2")
	inv.res["i-2"].Tags["SPECIAL_EXCEPTION"] = "until=2027-01-31"
	if got := handle(eng, "e-4", "i-2"); !strings.Contains(got, "does not hold; the pending actions are cancelled (tag ec2guard:pending:require-exception removed)") {
		t.Errorf("fixed: %s", got)
	}
	if _, ok := inv.res["i-2"].Tags[PendingTag("require-exception")]; ok {
		t.Errorf("the fixed resource keeps its tag")
	}

	// A due time later than the grace allows was not written by ec2guard: due now.
	if got := handle(eng, "e-5", "i-3"); !strings.HasPrefix(got, "stop applied") {
		t.Errorf("tampered: %s", got)
	}
}

// A Timer takes a grace rule's due actions, on the resources with a grace pending; the
// others, which the rule's events judged, it leaves to them: a deployed timer does not start
// graces over the fleet.
func TestTimerTakesDueGraces(t *testing.T) {
	w := &graceWorld{t: t, now: time.Date(2026, 12, 30, 10, 0, 0, 0, time.UTC), ledger: &mapLedger{m: map[string]string{}}, acts: map[string][]*recorder{}}
	running := func(id string, tags map[string]string) *Resource {
		return &Resource{Ref: resource.Ref{Kind: resource.Instance, ID: id}, Exists: true, State: resource.Running, Tags: tags, Read: resource.NeedDescribe}
	}
	due := running("i-due", map[string]string{PendingTag("require-exception"): "stop@2026-12-29T09:00:00Z"})
	untold := running("i-untold", nil)
	inv := &inventory{res: map[string]*Resource{"i-due": due, "i-untold": untold}}
	tm := w.engine(inv, &marker{inv: inv}).Timer()
	if got := summary(tm.Judge(t.Context(), "tick", due)); !strings.HasPrefix(got, "stop applied") {
		t.Errorf("the due grace: %s", got)
	}
	if got := summary(tm.Judge(t.Context(), "tick", untold)); !strings.Contains(got, "left to the rule's events") {
		t.Errorf("an instance with no grace pending: %s", got)
	}
	if len(w.acts["notify"]) > 0 && len(w.acts["notify"][0].calls) > 1 {
		t.Errorf("owners told: %+v", w.acts["notify"][0].calls)
	}
}

// A resource a rule's min-age spares on its event carries a re-check tag; the timer judges it
// when due and removes the tag; an event that judges it first takes the re-check, so the
// timer does not act on it again. Nothing else of the rule is the timer's.
func TestTimerTakesDueRechecks(t *testing.T) {
	launch := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	now := launch
	set, err := rules.Load("r.yaml", []byte(`rules:
  - name: owner-or-stop
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    filters: [{tag: Owner, absent: true}]
    min-age: 10m
    actions: [stop]
    mode: enforce
`), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	instance := func(id string) *Resource {
		return &Resource{Ref: resource.Ref{Kind: resource.Instance, ID: id, Place: resource.Place{Region: "us-east-1"}}, Exists: true,
			State: resource.Running, Tags: map[string]string{}, Attrs: map[string]any{"LaunchTime": launch}, Read: resource.NeedDescribe}
	}
	inv := &inventory{res: map[string]*Resource{"i-1": instance("i-1"), "i-2": instance("i-2"), "i-3": instance("i-3")}}
	m := &marker{inv: inv}
	stops := &recorder{name: "stop", mutating: true}
	eng, err := New(Config{Rules: set, Inventory: inv, Marker: m, Ledger: &mapLedger{m: map[string]string{}}, Now: func() time.Time { return now },
		NewAction: func(rules.ActionSpec) (Action, error) { return stops, nil }})
	if err != nil {
		t.Fatal(err)
	}
	tag := rules.RecheckTag("owner-or-stop")
	tick := func(id string) string {
		return summary(eng.Timer().Judge(t.Context(), now.Format(time.RFC3339), inv.res[id]))
	}

	now = launch.Add(time.Minute) // the launch's events: too young, a re-check at 10:10
	for _, id := range []string{"i-1", "i-2"} {
		if got := summary(eng.Handle(t.Context(), stateEvent("run-"+id, id, "running"))); !strings.Contains(got, "younger than the rule's min-age") {
			t.Fatalf("%s on its event: %s", id, got)
		}
		if v := inv.res[id].Tags[tag]; v != "2026-12-04T10:10:00Z" {
			t.Fatalf("%s re-check tag %q", id, v)
		}
	}
	now = launch.Add(5 * time.Minute)
	if got := tick("i-1"); !strings.Contains(got, "left to the rule's events") {
		t.Errorf("before the re-check is due: %s", got)
	}
	now = launch.Add(12 * time.Minute) // i-2 has an event of its own first: judged, the re-check taken
	if got := summary(eng.Handle(t.Context(), stateEvent("again-i-2", "i-2", "running"))); !strings.HasPrefix(got, "stop applied") {
		t.Fatalf("i-2's later event: %s", got)
	}
	if got := tick("i-1"); !strings.HasPrefix(got, "stop applied") {
		t.Errorf("the due re-check: %s", got)
	}
	for _, id := range []string{"i-1", "i-2"} {
		if _, ok := inv.res[id].Tags[tag]; ok {
			t.Errorf("%s keeps its re-check tag after it was judged", id)
		}
		if got := tick(id); !strings.Contains(got, "left to the rule's events") {
			t.Errorf("%s after its re-check: %s", id, got)
		}
	}
	if got := tick("i-3"); !strings.Contains(got, "left to the rule's events") { // no event spared it
		t.Errorf("an instance no event spared: %s", got)
	}
	if n := len(stops.calls); n != 2 {
		t.Errorf("%d stops, want one each for i-1 and i-2", n)
	}
}

// An exception by principal that expires spares the resource on its caller's event and
// records a re-check at its until: the timer, which has no caller, judges it then.
func TestTimerRechecksAnExpiredPrincipalException(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	set, err := rules.Load("r.yaml", []byte(`rules:
  - name: no-launches
    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances]}}
    exceptions: [{principal: ["arn:aws:iam::123456789012:user/ci"], reason: migration, until: 2026-12-05}]
    actions: [stop]
    mode: enforce
`), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv := &inventory{res: map[string]*Resource{"i-ci": {Ref: resource.Ref{Kind: resource.Instance, ID: "i-ci", Place: resource.Place{Region: "us-east-1"}},
		Exists: true, State: resource.Running, Tags: map[string]string{}, Read: resource.NeedDescribe}}}
	stops := &recorder{name: "stop", mutating: true}
	eng, err := New(Config{Rules: set, Inventory: inv, Marker: &marker{inv: inv}, Now: func() time.Time { return now },
		NewAction: func(rules.ActionSpec) (Action, error) { return stops, nil }})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := event.Parse([]byte(`{"id":"run-ci","source":"aws.ec2","detail-type":"AWS API Call via CloudTrail","region":"us-east-1","detail":{"eventName":"RunInstances","eventSource":"ec2.amazonaws.com","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/ci"},"responseElements":{"instancesSet":{"items":[{"instanceId":"i-ci"}]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(eng.Handle(t.Context(), ev)); !strings.Contains(got, "skipped") {
		t.Fatalf("the caller's launch: %s", got)
	}
	if v := inv.res["i-ci"].Tags[rules.RecheckTag("no-launches")]; v != "2026-12-06T00:00:00Z" { // honoured through the until date
		t.Fatalf("re-check tag %q, want the exception's until", v)
	}
	now = now.Add(2 * 24 * time.Hour)
	if got := summary(eng.Timer().Judge(t.Context(), "tick", inv.res["i-ci"])); !strings.HasPrefix(got, "stop applied") {
		t.Errorf("after the exception expired: %s", got)
	}
}

// A pending tag whose grace was due before the instance entered its state (stopped before
// the due time, started again weeks later) starts a grace of its own: the instance is not
// stopped at once. One the instance has been in its state since is due, as before.
func TestStalePendingTagStartsANewGrace(t *testing.T) {
	w := &graceWorld{t: t, now: time.Date(2026, 12, 30, 10, 0, 0, 0, time.UTC), ledger: &mapLedger{m: map[string]string{}}, acts: map[string][]*recorder{}}
	tag := PendingTag("require-exception")
	running := func(id string, entered time.Time) *Resource {
		return &Resource{Ref: resource.Ref{Kind: resource.Instance, ID: id}, Exists: true, State: resource.Running, Read: resource.NeedDescribe,
			Tags: map[string]string{tag: "stop@2026-12-02T09:00:00Z"}, Attrs: map[string]any{"StateTransitionTime": entered}}
	}
	restarted := running("i-restarted", time.Date(2026, 12, 29, 8, 0, 0, 0, time.UTC))
	kept := running("i-kept", time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC))
	inv := &inventory{res: map[string]*Resource{"i-restarted": restarted, "i-kept": kept}}
	tm := w.engine(inv, &marker{inv: inv}).Timer()
	if got := summary(tm.Judge(t.Context(), "tick", restarted)); !strings.HasPrefix(got, "stop pending: grace 2 business days") {
		t.Errorf("restarted after its grace was due: %s", got)
	}
	if v := inv.res["i-restarted"].Tags[tag]; v == "stop@2026-12-02T09:00:00Z" {
		t.Errorf("the stale tag stays: %s", v)
	}
	if got := summary(tm.Judge(t.Context(), "tick", kept)); !strings.HasPrefix(got, "stop applied") {
		t.Errorf("running since before its grace was due: %s", got)
	}
}
