package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/exception"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

const scanRuleFile = ruleFile + `  - name: stopped-in-eu
    pattern: {source: [aws.ec2], region: [eu-west-1], detail: {state: [stopped]}}
    actions: [notify]
    mode: enforce
  - name: open-groups
    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [AuthorizeSecurityGroupIngress]}}
    actions: [notify]
    mode: enforce
  - name: account-settings
    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [DisableEbsEncryptionByDefault]}}
    actions: [notify]
    mode: enforce
`

// countingInventory counts its reads.
type countingInventory struct {
	inventory
	gets  atomic.Int32
	needs resource.Needs
}

func (c *countingInventory) Get(ctx context.Context, ref resource.Ref, needs resource.Needs) (*Resource, error) {
	c.gets.Add(1)
	c.needs = needs
	return c.inventory.Get(ctx, ref, needs)
}

type scanFixture struct {
	eng  *Engine
	acts map[string][]*recorder // by name: several rules may have one
	inv  *countingInventory
}

// calls are the calls of every action of that name.
func (f *scanFixture) calls(name string) []Invocation {
	var out []Invocation
	for _, r := range f.acts[name] {
		out = append(out, r.calls...)
	}
	return out
}

// callBound is a recorder that needs the CloudTrail call, as tag does.
type callBound struct{ *recorder }

func (callBound) NeedsCall() bool { return true }

func newScanFixture(t *testing.T, tweak func(*Config)) *scanFixture {
	t.Helper()
	set, err := rules.Load("s.yaml", []byte(scanRuleFile), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range set.Rules {
		switch r.Name { // what the filters helper's `resources:` will say
		case "open-groups":
			r.Resources = []resource.Kind{resource.SecurityGroup}
		case "account-settings":
			r.Resources = []resource.Kind{resource.Account}
		}
	}
	f := &scanFixture{acts: map[string][]*recorder{}, inv: &countingInventory{inventory: inventory{res: map[string]*Resource{}}}}
	cfg := Config{
		Rules: set,
		NewAction: func(s rules.ActionSpec) (Action, error) {
			r := &recorder{name: s.Name, mutating: s.Name != "notify"}
			f.acts[s.Name] = append(f.acts[s.Name], r)
			if s.Name == "tag" {
				return callBound{r}, nil
			}
			return r, nil
		},
		Inventory: f.inv,
		Now:       func() time.Time { return time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC) },
	}
	if tweak != nil {
		tweak(&cfg)
	}
	if f.eng, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	return f
}

func scanned(kind resource.Kind, id, region string, st resource.State, tags map[string]string) *Resource {
	return &Resource{Ref: resource.Ref{Kind: kind, ID: id, Place: resource.Place{Account: "123456789012", Region: region}},
		Exists: true, State: st, Tags: tags, Read: resource.NeedDescribe}
}

func rulesOf(ds []Decision) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Rule+"/"+d.Action+"/"+string(d.Outcome))
	}
	return out
}

func TestJudge(t *testing.T) {
	ctx := context.Background()
	protected := map[string]string{"Protected": "true"}
	for _, c := range []struct {
		name string
		res  *Resource
		want []string
	}{
		{"a stopped instance: the rules on stopped instances", scanned(resource.Instance, "i-1", "us-east-1", resource.Stopped, protected),
			[]string{"restart-protected/start/applied"}},
		{"and in their region only", scanned(resource.Instance, "i-1", "eu-west-1", resource.Stopped, protected),
			[]string{"restart-protected/start/applied", "stopped-in-eu/notify/applied"}},
		{"a filter still says no", scanned(resource.Instance, "i-1", "us-east-1", resource.Stopped, nil),
			[]string{"restart-protected//skipped"}},
		{"a running instance: the rules on running ones", scanned(resource.Instance, "i-1", "us-east-1", resource.Running, nil),
			[]string{"watch-running/stop/dry-run"}},
		{"a state no rule selects", scanned(resource.Instance, "i-1", "us-east-1", resource.Pending, nil),
			[]string{"//skipped"}},
		{"another kind: the rules that judge it, whatever their calls", scanned(resource.SecurityGroup, "sg-1", "us-east-1", "", nil),
			[]string{"open-groups/notify/applied"}},
		{"a kind no rule judges", scanned(resource.Volume, "vol-1", "us-east-1", "", nil),
			[]string{"//skipped"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newScanFixture(t, nil)
			ds := f.eng.Judge(ctx, "r1", c.res)
			if got := rulesOf(ds); !slices.Equal(got, c.want) {
				t.Fatalf("decisions %v, want %v: %+v", got, c.want, ds)
			}
			for _, d := range ds {
				if d.EventID != ScanID("r1", c.res.Ref) || d.EventSource != ScanSource || d.DetailType != ScanDetailType ||
					d.Resource != c.res.ID || d.Region != c.res.Region || d.Account != "123456789012" {
					t.Fatalf("record %+v", d)
				}
				if d.Rule == "" && d.Reason != "no rule matched" {
					t.Fatalf("record %+v", d)
				}
			}
			if n := f.inv.gets.Load(); n != 0 {
				t.Fatalf("%d reads of a resource the scan read with all its rules need", n)
			}
			if c := f.calls("tag"); len(c) != 0 {
				t.Fatalf("tag ran in a scan: %+v", c)
			}
		})
	}
}

func TestJudgeInvocation(t *testing.T) {
	f := newScanFixture(t, nil)
	res := scanned(resource.Instance, "i-1", "eu-west-1", resource.Stopped, map[string]string{"Protected": "true"})
	f.eng.Judge(context.Background(), "r1", res)
	c := f.calls("notify")
	if len(c) != 1 || c[0].Resource != res || c[0].Rule != "stopped-in-eu" || c[0].Event == nil {
		t.Fatalf("notify calls %+v", c)
	}
	if ev := c[0].Event; ev.ID != ScanID("r1", res.Ref) || ev.Source != ScanSource || ev.DetailType != ScanDetailType || ev.Region != "eu-west-1" || ev.Account != "123456789012" || ev.Time != "2026-11-22T10:00:00Z" {
		t.Fatalf("the invocation's event %+v", ev)
	}
}

// The ledger and the budget apply as they do to events: a second look within a run is a
// duplicate, another run acts again, within the loop budget.
func TestJudgeLedgerAndBudget(t *testing.T) {
	ctx := context.Background()
	f := newScanFixture(t, func(c *Config) { c.LoopBudget = 2 })
	res := scanned(resource.Instance, "i-1", "us-east-1", resource.Stopped, map[string]string{"Protected": "true"})
	var got []string
	for _, run := range []string{"r1", "r1", "r2", "r3"} {
		got = append(got, rulesOf(f.eng.Judge(ctx, run, res))...)
	}
	want := []string{"restart-protected/start/applied", "restart-protected/start/duplicate", "restart-protected/start/applied", "restart-protected/start/suppressed"}
	if !slices.Equal(got, want) {
		t.Fatalf("%v, want %v", got, want)
	}
	dry := newScanFixture(t, func(c *Config) { c.DryRun = true })
	if d := one(t, dry.eng.Judge(ctx, "r1", res)); d.Outcome != DryRun || !d.DryRun {
		t.Fatalf("--dry-run: %+v", d)
	}
}

// An account's settings have the account's id in every region: each region is its own.
func TestJudgeAccountPerRegion(t *testing.T) {
	f := newScanFixture(t, nil)
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		d := one(t, f.eng.Judge(context.Background(), "r1", scanned(resource.Account, "123456789012", region, "", nil)))
		if d.Rule != "account-settings" || d.Outcome != Applied {
			t.Fatalf("%s: %+v", region, d)
		}
	}
}

// What the rules need that the scan did not read is read once, whatever the number of rules.
func TestJudgeReadsWhatIsMissing(t *testing.T) {
	f := newScanFixture(t, nil)
	f.inv.res["i-1"] = scanned(resource.Instance, "i-1", "eu-west-1", resource.Stopped, map[string]string{"Protected": "true"})
	bare := &Resource{Ref: f.inv.res["i-1"].Ref, Exists: true} // listed by id only
	ds := f.eng.Judge(context.Background(), "r1", bare)
	if got := rulesOf(ds); !slices.Equal(got, []string{"restart-protected/start/applied", "stopped-in-eu/notify/applied"}) {
		t.Fatalf("%v", got)
	}
	if n := f.inv.gets.Load(); n != 1 || !f.inv.needs.Has(resource.NeedDescribe) {
		t.Fatalf("%d reads with %b", n, f.inv.needs)
	}
	f.inv.err = context.DeadlineExceeded
	for _, d := range f.eng.Judge(context.Background(), "r2", bare) {
		if d.Outcome != Failed || d.Reason != "reading the resource" || !strings.Contains(d.Error, "deadline") {
			t.Fatalf("%+v", d)
		}
	}
}

func TestScanPlan(t *testing.T) {
	f := newScanFixture(t, nil)
	un := f.eng.Unscanned()
	if len(un) != 1 || un[0].Rule != "auto-tag" || !strings.Contains(un[0].Why, "tag acts on what a CloudTrail call did") {
		t.Fatalf("Unscanned = %+v", un)
	}
	if got := f.eng.ScanKinds(); !slices.Equal(got, []resource.Kind{resource.Instance, resource.SecurityGroup, resource.Account}) {
		t.Fatalf("ScanKinds = %v", got)
	}
	if got := f.eng.ScanNeeds(resource.Instance); got != resource.NeedDescribe {
		t.Fatalf("ScanNeeds(instance) = %b", got)
	}
	if got := f.eng.ScanNeeds(resource.SecurityGroup); got != 0 {
		t.Fatalf("ScanNeeds(security-group) = %b", got)
	}
}

// A Timer applies only the rules time alone can make act: it lists their kinds, asks for
// their needs, and judges a resource by them alone, with the same records as a scan.
func TestTimer(t *testing.T) {
	ctx := context.Background()
	f := newScanFixture(t, func(c *Config) {
		for _, r := range c.Rules.Rules {
			if r.Name == "stopped-in-eu" || r.Name == "auto-tag" { // auto-tag: time-driven, but a scan cannot apply it
				r.MinAge = 10 * time.Minute
			}
		}
	})
	tm := f.eng.Timer()
	if got := tm.Rules(); !slices.Equal(got, []string{"stopped-in-eu"}) {
		t.Fatalf("Rules = %v", got)
	}
	if got := tm.ScanKinds(); !slices.Equal(got, []resource.Kind{resource.Instance}) {
		t.Fatalf("ScanKinds = %v", got)
	}
	if got := tm.ScanNeeds(resource.Instance); got != resource.NeedDescribe {
		t.Fatalf("ScanNeeds(instance) = %b", got)
	}
	if got := tm.ScanNeeds(resource.SecurityGroup); got != 0 {
		t.Fatalf("ScanNeeds(security-group) = %b", got)
	}
	launched := func(at time.Time, tags map[string]string) *Resource {
		tags["Protected"] = "true"
		r := scanned(resource.Instance, "i-"+at.Format("0102"), "eu-west-1", resource.Stopped, tags)
		r.Attrs = map[string]any{"LaunchTime": at}
		return r
	}
	// Spared by an event for its min-age, to be judged again at 09:10 (the fixture's clock
	// says 10:00); the other judged by its events long ago.
	young := launched(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC), map[string]string{rules.RecheckTag("stopped-in-eu"): "2026-11-22T09:10:00Z"})
	old := launched(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), map[string]string{})
	for _, c := range []struct {
		name  string
		judge func(context.Context, string, *Resource) []Decision
		res   *Resource
		want  []string
	}{
		{"the engine: every rule a scan applies", f.eng.Judge, old, []string{"restart-protected/start/applied", "stopped-in-eu/notify/applied"}},
		{"the timer: the time-driven rule alone", tm.Judge, young, []string{"stopped-in-eu/notify/applied"}},
		{"the timer: not what has no re-check due", tm.Judge, old, []string{"stopped-in-eu//skipped"}},
	} {
		if got := rulesOf(c.judge(ctx, "r-"+c.name, c.res)); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if got := rulesOf(tm.Judge(ctx, "r2", scanned(resource.SecurityGroup, "sg-1", "us-east-1", "", nil))); !slices.Equal(got, []string{"//skipped"}) {
		t.Errorf("a group, judged by no time-driven rule: %v", got)
	}
}

// A Timer's ledger keys: an action is taken once a day while the resource fails in the same
// state and place — again after TimerTTL, at once in another region (the same id in two
// places, as an account's settings have) — and a dry run is told at every tick.
func TestTimerKeys(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	timed := func(dryRun bool) *scanFixture {
		return newScanFixture(t, func(c *Config) {
			c.Now, c.DryRun = func() time.Time { return now }, dryRun
			for _, r := range c.Rules.Rules {
				if r.Name == "restart-protected" {
					r.MinAge = time.Minute
				}
			}
		})
	}
	launched := now.Add(-time.Hour) // past the min-age, its re-check due
	instance := func(region string) *Resource {
		r := scanned(resource.Instance, "i-1", region, resource.Stopped, map[string]string{"Protected": "true",
			rules.RecheckTag("restart-protected"): launched.Add(time.Minute).Format(time.RFC3339)})
		r.Attrs = map[string]any{"LaunchTime": launched}
		return r
	}
	f := timed(false)
	tm := f.eng.Timer()
	for i, c := range []struct {
		region string
		after  time.Duration
		want   string
	}{
		{"us-east-1", 0, "restart-protected/start/applied"},
		{"us-east-1", 5 * time.Minute, "restart-protected/start/duplicate"},
		{"eu-west-1", 0, "restart-protected/start/applied"},
	} {
		now = now.Add(c.after)
		if got := rulesOf(tm.Judge(ctx, fmt.Sprint("tick-", i), instance(c.region))); !slices.Equal(got, []string{c.want}) {
			t.Errorf("tick %d in %s: %v, want %s", i, c.region, got, c.want)
		}
	}
	dry := timed(true).eng.Timer()
	for i := range 2 {
		if got := rulesOf(dry.Judge(ctx, fmt.Sprint("tick-", i), instance("us-east-1"))); !slices.Equal(got, []string{"restart-protected/start/dry-run"}) {
			t.Errorf("dry-run tick %d: %v", i, got)
		}
	}
}

// TimerTTL, tried with a rule wholly the timer's: the same failure is acted on again after it.
func TestTimerTTL(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	set, err := rules.Load("t.yaml", []byte(`rules:
  - name: old-stopped
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    resources: [instance]
    filters: [{stopped-for: 1d}]
    actions: [notify]
    mode: enforce
`), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	acts := map[string][]*recorder{}
	eng, err := New(Config{Rules: set, Now: func() time.Time { return now }, Inventory: &inventory{res: map[string]*Resource{}},
		NewAction: func(s rules.ActionSpec) (Action, error) {
			r := &recorder{name: s.Name}
			acts[s.Name] = append(acts[s.Name], r)
			return r, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	res := scanned(resource.Instance, "i-1", "us-east-1", resource.Stopped, nil)
	res.Attrs = map[string]any{"StateTransitionTime": now.Add(-48 * time.Hour)}
	for i, c := range []struct {
		after time.Duration
		want  string
	}{{0, "old-stopped/notify/applied"}, {time.Hour, "old-stopped/notify/duplicate"}, {TimerTTL, "old-stopped/notify/applied"}} {
		now = now.Add(c.after)
		if got := rulesOf(eng.Timer().Judge(ctx, fmt.Sprint("tick-", i), res)); !slices.Equal(got, []string{c.want}) {
			t.Errorf("tick %d: %v, want %s", i, got, c.want)
		}
	}
}

// A rule that time makes act only through its exceptions: a Timer applies it where an
// exception has expired, and leaves every other resource to the rule's events — an instance
// with no exception, or one still honoured, is not judged by the timer.
func TestTimerAndExpiringExceptions(t *testing.T) {
	ctx := context.Background()
	f := newScanFixture(t, func(c *Config) {
		for _, r := range c.Rules.Rules {
			if r.Name == "stopped-in-eu" {
				r.Exceptions = []exception.Exception{{Tag: "SPECIAL_EXCEPTION", Reason: "by its owner"}}
			}
		}
	})
	tm := f.eng.Timer()
	if got := tm.Rules(); !slices.Equal(got, []string{"stopped-in-eu"}) {
		t.Fatalf("Rules = %v", got)
	}
	for _, c := range []struct {
		tag, want string
	}{
		{"until=2026-11-01", "stopped-in-eu/notify/applied"}, // the fixture's clock says 2026-11-22
		{"until=2027-01-31", "stopped-in-eu//skipped"},
		{"", "stopped-in-eu//skipped"},
	} {
		tags := map[string]string{}
		if c.tag != "" {
			tags["SPECIAL_EXCEPTION"] = c.tag
		}
		ds := tm.Judge(ctx, "r", scanned(resource.Instance, "i-"+c.tag, "eu-west-1", resource.Stopped, tags))
		if got := rulesOf(ds); !slices.Equal(got, []string{c.want}) {
			t.Errorf("exception %q: %v, want %s", c.tag, got, c.want)
		}
	}
	// The engine's own scan judges them all, as before.
	if got := rulesOf(f.eng.Judge(ctx, "s", scanned(resource.Instance, "i-none", "eu-west-1", resource.Stopped, nil))); !slices.Contains(got, "stopped-in-eu/notify/applied") {
		t.Errorf("a scan of an instance with no exception: %v", got)
	}
}
