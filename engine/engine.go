// Package engine decides and runs remediations: prepared once from a rule set, it handles
// each event — self-exclusion, one match against all rules, the resources the event concerns
// read once, filters, then each action under the safety rules of PRODUCT §3.4 (idempotency,
// dry run, per-resource loop budget, blast-radius caps) — and returns one decision record per
// (rule, resource, action). The clock, the logger, the AWS side (Inventory, actions), the
// idempotency ledger and the budget store are injected; the budget counts in this process
// unless a Budget of package ledger (its DynamoDB table, or its file) counts across processes.
// A mutating action is taken from the budget when it is about to mutate (Invocation.MayMutate).
//
// API:
//
//	New(Config) (*Engine, error)
//	(*Engine).Handle(ctx, *event.Event) []Decision   // safe for concurrent use
//	(*Engine).Judge(ctx, run, *Resource) []Decision  // a scan's resource; Unscanned, ScanKinds, ScanNeeds
//	RejectedInput(source, pos string, err error) Decision
package engine

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

// Ledger remembers which actions were applied, so a redelivered event is not acted on twice.
// A ledger several processes share (each Lambda invocation may be a new process) also lets
// only one of them act on a key at a time: the first to Claim it. Times are the engine's
// clock, passed in so that expiry follows the injected clock.
type Ledger interface {
	// Seen reports whether key was applied and has not expired. Dry runs only look.
	Seen(ctx context.Context, key string, now time.Time) (bool, error)
	// Claim reserves key for owner until now+lease: Claimed when owner may act (the key was
	// free, its record expired, or owner holds it already), TakenOver when owner may act on a
	// key another owner had claimed and whose claim lapsed, AlreadyDone when it was applied
	// and has not expired, HeldElsewhere when another owner's claim has not lapsed. A claim
	// whose holder died lapses after its lease, so the event can be retried; the retry is
	// told (TakenOver) that the holder may have acted before it died.
	Claim(ctx context.Context, key, owner string, now time.Time, lease time.Duration) (ClaimState, error)
	// MarkDone records key as applied until now+ttl.
	MarkDone(ctx context.Context, key, owner string, now time.Time, ttl time.Duration) error
	// Release drops owner's claim on key: the action did not apply, and a retry may act.
	Release(ctx context.Context, key, owner string) error
}

// ErrClaimed is the error of a decision left for a retry because another process or worker
// holds the claim on its key. LeaseGrace is how long a claim outlives its context's deadline.
// A source that knows how long its handling may take can hold such an event back until a
// dead claimant's claim has lapsed, rather than retry it into its dead-letter queue.
const (
	ErrClaimed = "claimed by another process"
	LeaseGrace = 30 * time.Second
)

// EarlierAttempt ends the reason of an action that found nothing to do on a key it took over
// (TakenOver): the earlier attempt may have done it.
const EarlierAttempt = "an earlier attempt at this event claimed this action and stopped before recording what it did: it may have done it"

// ClaimState is the answer of Ledger.Claim.
type ClaimState int

// The answers of Ledger.Claim.
const (
	Claimed       ClaimState = iota // the caller may act
	AlreadyDone                     // the key was applied and has not expired
	HeldElsewhere                   // another owner's claim has not lapsed
	// TakenOver: the caller may act, on a key another owner claimed and never recorded an
	// outcome for (its claim lapsed: it died, or gave up, mid-action). That attempt may have
	// acted: what finds nothing left to do may be what it did.
	TakenOver
)

// Budget counts mutating actions against the per-resource loop budget and the per-minute
// blast-radius cap. The default counts in this process; a shared one counts across every
// process that uses it, which is what catches a loop in Lambda, where each invocation may be
// a new process.
type Budget interface {
	// Take counts one mutating action on resource at now, unless a limit is reached: then it
	// counts nothing and says which.
	Take(ctx context.Context, resource string, now time.Time, l Limits) (Exceeded, error)
}

// Limits are the caps a Budget enforces.
type Limits struct {
	LoopBudget   int           // mutating actions per resource per LoopWindow
	LoopWindow   time.Duration // the loop budget's window
	MaxPerMinute int           // mutating actions per minute, all resources; <0 unlimited
}

// Exceeded says which limit of a Budget stopped an action.
type Exceeded int

// The limits a Budget enforces.
const (
	WithinLimits Exceeded = iota
	LoopBudgetExceeded
	MinuteCapExceeded
	// ScanCapExceeded: the blast-radius cap of a scan fanned out over many processes, counted
	// across all of its parts (source.TickBudget), is reached; it does not pass with time.
	ScanCapExceeded
)

// Config prepares an Engine. Zero values take the defaults noted.
type Config struct {
	Rules     *rules.Set
	NewAction func(rules.ActionSpec) (Action, error) // builds each rule's actions once
	Inventory Inventory                              // reads resources for filters
	Marker    Marker                                 // ec2guard's own tags: pending actions (grace.go)
	Ledger    Ledger                                 // nil: idempotency within this process only
	Budget    Budget                                 // nil: loop budget and per-minute cap counted in this process only
	DryRun    bool                                   // the --dry-run flag: no mutating call at all
	Now       func() time.Time                       // default time.Now
	Logger    *slog.Logger                           // default: discard
	Self      []string                               // ARNs of ec2guard's own identity: their CloudTrail events are ignored

	LoopBudget   int           // mutating actions per resource per LoopWindow (default 3)
	LoopWindow   time.Duration // default 10m
	MaxPerRun    int           // mutating actions per Engine lifetime (default 100; <0 unlimited)
	MaxPerMinute int           // mutating actions per minute (default 30; <0 unlimited)
	LedgerTTL    time.Duration // how long an applied action is remembered (default 7 days)
	// ClaimLease bounds how long a Ledger claim holds a key before another process may take
	// it over, should the claimant die before recording its outcome (default 15m, Lambda's
	// longest timeout; shortened to a context's deadline plus a margin when there is one).
	ClaimLease time.Duration
}

// Engine is a prepared rule set.
type Engine struct {
	cfg     Config
	actions [][]Action       // per rule, per action
	needs   []resource.Needs // per rule: what its timing and actions need read of a resource (needsOf adds the filters')
	scans   []scanPlan       // per rule: whether and when a scan applies it

	owner   string // this Engine's name in Ledger claims
	limits  Limits
	local   *localBudget
	mu      sync.Mutex
	done    map[string]time.Time // in-process idempotency: key → when
	sweepAt int                  // len(done) at which expired keys are swept next
	working map[string]bool      // keys being acted on in this process
	applied int                  // mutating actions in this Engine's lifetime
}

// localMemory is how long this process remembers a key when a ledger remembers it for
// LedgerTTL: long enough for the redeliveries of one burst, short enough that a long-running
// serve or warm function does not hold every key it ever saw.
const localMemory = time.Hour

// rememberLocked records key as done at now, and drops the keys that have expired from the
// process's memory once their number has doubled since the last sweep (amortised O(1)).
func (e *Engine) rememberLocked(key string, now time.Time) {
	e.done[key] = now
	if len(e.done) < e.sweepAt {
		return
	}
	keep := e.cfg.LedgerTTL
	if e.cfg.Ledger != nil {
		keep = min(keep, localMemory)
	}
	for k, when := range e.done {
		if now.Sub(when) >= keep {
			delete(e.done, k)
		}
	}
	e.sweepAt = max(1024, 2*len(e.done))
}

// New prepares an engine: every action is built and checked once.
func New(cfg Config) (*Engine, error) {
	if cfg.Rules == nil || cfg.Rules.Matcher == nil {
		return nil, errors.New("engine: no rules")
	}
	if cfg.NewAction == nil {
		return nil, errors.New("engine: no action factory")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.LoopBudget == 0 {
		cfg.LoopBudget = 3
	}
	if cfg.LoopWindow == 0 {
		cfg.LoopWindow = 10 * time.Minute
	}
	if cfg.MaxPerRun == 0 {
		cfg.MaxPerRun = 100
	}
	if cfg.MaxPerMinute == 0 {
		cfg.MaxPerMinute = 30
	}
	if cfg.LedgerTTL == 0 {
		cfg.LedgerTTL = 7 * 24 * time.Hour
	}
	if cfg.ClaimLease == 0 {
		cfg.ClaimLease = 15 * time.Minute
	}
	var id [8]byte
	rand.Read(id[:])
	e := &Engine{
		cfg: cfg, owner: hex.EncodeToString(id[:]), local: newLocalBudget(),
		limits: Limits{LoopBudget: cfg.LoopBudget, LoopWindow: cfg.LoopWindow, MaxPerMinute: cfg.MaxPerMinute},
		done:   map[string]time.Time{}, sweepAt: 1024,
		working: map[string]bool{},
	}
	for _, r := range cfg.Rules.Rules {
		var acts []Action
		for _, spec := range r.Actions {
			a, err := cfg.NewAction(spec)
			if err != nil {
				return nil, fmt.Errorf("rule %q: action %q (%s): %w", r.Name, spec.Name, spec.Loc, err)
			}
			acts = append(acts, a)
		}
		e.actions = append(e.actions, acts)
		if !r.Grace.Zero() && cfg.Marker == nil {
			return nil, fmt.Errorf("rule %q (%s) has a grace, which needs a Marker to record its pending actions on the resources", r.Name, r.Loc)
		}
		needs := r.Timing.Needs() // the timing's and what the actions say they read; the filters' per kind: needsOf
		for _, a := range acts {
			if rd, ok := a.(Reading); ok {
				needs |= rd.Needs()
			}
		}
		e.needs = append(e.needs, needs)
	}
	e.planScans()
	return e, nil
}

// needsOf is what rule ri needs read of a resource of kind k: what its timing and actions
// read, and what its filters judge of that kind (rules.Rule.NeedsFor). The union of the
// filters' needs over the rule's kinds would ask a security group's read for an instance's
// exposure, which no read of a group fetches, and a scan would read every group again.
func (e *Engine) needsOf(ri int, k resource.Kind) resource.Needs {
	return e.needs[ri] | e.cfg.Rules.Rules[ri].NeedsFor(k)
}

// Decision is one decision record (PRODUCT §4).
type Decision struct {
	Time        string `json:"time"`
	EventID     string `json:"event_id"`
	EventSource string `json:"event_source"`
	DetailType  string `json:"detail_type"`
	EventName   string `json:"event_name"`
	Account     string `json:"account"`
	Region      string `json:"region"`
	Rule        string `json:"rule"`
	// Kind is the resource's kind, so that an account's id (an account-level record's
	// resource) is not taken for another kind's, and records group by kind; "" where the
	// record names no resource.
	Kind       resource.Kind `json:"kind"`
	Resource   string        `json:"resource"`
	Action     string        `json:"action"`
	Outcome    Outcome       `json:"outcome"`
	Reason     string        `json:"reason"`
	Error      string        `json:"error"`
	DryRun     bool          `json:"dry_run"`
	DurationMS float64       `json:"duration_ms"`

	// Again tells a source whose events can come again (an SQS queue, EventBridge's retries
	// of a Lambda function) whether this decision wants the event again, and why. It is not
	// part of the record.
	Again Again `json:"-"`
}

// Again is why a decision wants its event delivered again.
type Again int

// The reasons to deliver an event again.
const (
	NotAgain         Again = iota
	AgainAfterMinute       // the per-minute cap held the action back: it passes
	AgainAfterClaim        // another process or worker holds the action's claim: it may die
)

// RejectedInput is the record of an input that is not a valid event; pos says where it was
// (file:line, an SQS message id...).
func RejectedInput(source, pos string, err error) Decision {
	return Decision{
		Time: time.Now().UTC().Format(time.RFC3339Nano), EventSource: source, Outcome: Rejected,
		Reason: "invalid event at " + pos, Error: err.Error(),
	}
}

// Handle decides and runs everything one event calls for. It never returns no record.
func (e *Engine) Handle(ctx context.Context, ev *event.Event) []Decision {
	start := e.cfg.Now()
	base := Decision{
		Time: start.UTC().Format(time.RFC3339Nano), EventID: ev.ID, EventSource: ev.Source,
		DetailType: ev.DetailType, Account: ev.Account, Region: ev.Region, DryRun: e.cfg.DryRun,
		EventName: ev.CallName(), // known to the source, or read from the detail's top level: no decoding
	}
	one := func(d Decision) []Decision {
		d.DurationMS = ms(e.cfg.Now().Sub(start))
		return []Decision{d}
	}
	raw := ev.Raw
	if len(raw) == 0 {
		return one(withErr(base, Rejected, "event has no raw JSON", nil))
	}
	hits, err := e.cfg.Rules.Matcher.Match(raw, nil)
	if err != nil {
		return one(withErr(base, Rejected, "event is not valid JSON", err))
	}
	if len(hits) == 0 {
		// The cheap path: most events of a busy trail end here, before anything is decoded.
		d := base
		d.Outcome, d.Reason = Skipped, "no rule matched"
		return one(d)
	}
	if !ev.FromAWS() {
		return e.foreign(ev, hits, base, start)
	}
	var ct *event.CloudTrail
	if ev.DetailType == event.DetailTypeAPICall {
		if d, err := ev.CloudTrailDetail(); err == nil {
			ct = d
		}
	}
	if ct != nil && e.isSelf(ct.UserIdentity) {
		d := base
		d.Outcome, d.Reason = Skipped, "caused by ec2guard's own identity ("+ct.UserIdentity.ARN+")"
		return one(d)
	}
	targets, known, err := event.Targets(ev)
	var out []Decision
	switch {
	case err != nil:
		for _, ri := range hits {
			out = append(out, withErr(e.ofRule(base, ri), Rejected, "cannot read the resources of the event", err))
		}
	case ct != nil && ct.ErrorCode != "":
		for _, ri := range hits {
			out = append(out, skip(e.ofRule(base, ri), "the API call failed ("+ct.ErrorCode+"): nothing was created"))
		}
	case !known || len(targets) == 0:
		for _, ri := range hits {
			out = append(out, skip(e.ofRule(base, ri), "the event names no resource ec2guard acts on"))
		}
	default:
		out = e.onTargets(ctx, ev, hits, targets, base)
	}
	now := e.cfg.Now()
	for i := range out {
		out[i].DurationMS = ms(now.Sub(start))
	}
	return out
}

// foreign is the record of an event whose source is not AWS's, which a rule's pattern
// admitted: one skipped record per rule, its detail never read (PutEvents lets any principal
// allowed it send any detail under a source of its own).
var serviceOf = map[string]string{event.SourceEC2: "EC2", event.SourceSecurityHub: "Security Hub", event.SourceGuardDuty: "GuardDuty"}

func (e *Engine) foreign(ev *event.Event, hits []int, base Decision, start time.Time) []Decision {
	why := fmt.Sprintf("the event's source %q is not AWS's (%s...): not acted on, since any principal allowed events:PutEvents can send it", ev.Source, event.SourcePrefixAWS)
	if s := event.SourceOf(ev.DetailType); s != "" {
		why = fmt.Sprintf("the event's source %q is not %s's (%s): not acted on, since any principal allowed events:PutEvents can send it", ev.Source, serviceOf[s], s)
	}
	out := make([]Decision, 0, len(hits))
	for _, ri := range hits {
		d := e.ofRule(base, ri)
		d.Outcome, d.Reason = Skipped, why
		d.DurationMS = ms(e.cfg.Now().Sub(start))
		out = append(out, d)
	}
	return out
}

// ofRule is the record base of rule ri: its name, and whether it runs dry.
func (e *Engine) ofRule(base Decision, ri int) Decision {
	r := e.cfg.Rules.Rules[ri]
	base.Rule, base.DryRun = r.Name, e.cfg.DryRun || r.Mode == rules.DryRun
	return base
}

// onTargets reads each target of the event once, with what every matching rule that judges
// its kind needs of it, and hands that one value to those rules' filters and actions. A rule
// judges the targets of its kinds only (rules.Rule.Resources); one that judges none of them
// yields one skipped record that says which kinds it judges and what the event names.
func (e *Engine) onTargets(ctx context.Context, ev *event.Event, hits []int, targets []event.Target, base Decision) []Decision {
	read := make([]*Resource, len(targets))
	errs := make([]error, len(targets))
	for ti, t := range targets {
		var needs resource.Needs
		judged := false
		for _, ri := range hits {
			if e.judges(ri, t.Kind) {
				judged, needs = true, needs|e.needsOf(ri, t.Kind)
			}
		}
		if !judged {
			continue
		}
		read[ti], errs[ti] = e.read(ctx, e.refOf(ev, t), needs)
	}
	var all []*Resource
	for _, r := range read {
		if r != nil {
			all = append(all, r)
		}
	}
	scope := &Scope{}
	var out []Decision
	for _, ri := range hits {
		rb := e.ofRule(base, ri)
		judged := false
		for ti, t := range targets {
			if !e.judges(ri, t.Kind) {
				continue
			}
			judged = true
			d := rb
			// The record's place is the resource's: a finding aggregated into this bus from
			// a member account or another region names where its resource lives.
			ref := e.refOf(ev, t)
			d.Kind, d.Resource, d.Account, d.Region = t.Kind, t.ID, ref.Account, ref.Region
			if errs[ti] != nil {
				out = append(out, withErr(d, Failed, "reading the resource", errs[ti]))
				continue
			}
			out = append(out, e.apply(ctx, invocation{ev: ev, targets: all, scope: scope}, ri, read[ti], d)...)
		}
		if !judged {
			out = append(out, skip(rb, fmt.Sprintf("the rule judges %s; the event names %s", kindList(e.cfg.Rules.Rules[ri].Resources), targetList(targets))))
		}
	}
	return out
}

// judges reports whether rule ri judges resources of kind.
func (e *Engine) judges(ri int, kind resource.Kind) bool {
	return slices.Contains(e.cfg.Rules.Rules[ri].Resources, kind)
}

// refOf is a target's name: its own place where the event gives one, else the event's.
func (e *Engine) refOf(ev *event.Event, t event.Target) resource.Ref {
	return resource.Ref{Kind: t.Kind, ID: t.ID, Place: resource.Place{
		Account: cmp.Or(t.Place.Account, ev.Account), Region: cmp.Or(t.Place.Region, ev.Region)}}
}

// read reads a resource with what its rules need; nothing when they need nothing (its kind
// and id are the event's).
func (e *Engine) read(ctx context.Context, ref resource.Ref, needs resource.Needs) (*Resource, error) {
	if needs == 0 {
		return &Resource{Ref: ref, Exists: true}, nil
	}
	if e.cfg.Inventory == nil {
		return nil, errors.New("the rules need the resource's current state, and no inventory is configured")
	}
	return e.cfg.Inventory.Get(ctx, ref, needs)
}

func skip(d Decision, why string) Decision {
	d.Outcome, d.Reason = Skipped, why
	return d
}

func kindList(kinds []resource.Kind) string {
	if len(kinds) == 0 {
		return "no kind"
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

func targetList(ts []event.Target) string {
	const most = 3
	var parts []string
	for i, t := range ts {
		if i == most {
			parts = append(parts, fmt.Sprintf("and %d more", len(ts)-most))
			break
		}
		parts = append(parts, string(t.Kind)+" "+t.ID)
	}
	return strings.Join(parts, ", ")
}

// invocation is what the actions of one event's (or one scan's) handling share.
type invocation struct {
	ev      *event.Event
	targets []*Resource
	scope   *Scope
	timer   bool // a Timer's scan: the ledger keys are the failure's, not the run's (timerID)
}

// apply runs rule ri on a resource read for it: its filters, then each of its actions under
// the ledger, the budget and the caps. ev names the ledger keys (an event's id, or a scan's).
func (e *Engine) apply(ctx context.Context, in invocation, ri int, res *Resource, base Decision) []Decision {
	r := e.cfg.Rules.Rules[ri]
	ev := in.ev
	ref := res.Ref
	if !res.Exists {
		base.Outcome, base.Reason = Skipped, "the resource no longer exists"
		return []Decision{base}
	}
	for _, f := range r.Filters {
		if !f.Match(res, e.cfg.Now()) {
			base.Outcome, base.Reason = Skipped, "filter at "+f.Loc.String()+" ("+f.String()+") does not hold"
			e.recheck(ctx, r, res, false, time.Time{}, base.DryRun) // judged: passes (timing.go)
			return e.cleared(ctx, ev, ri, r, res, base)             // grace.go
		}
	}
	d, sched, spared := e.spare(ctx, ev, ri, res, base) // timing.go
	if spared {
		return []Decision{d}
	}
	g, held := e.grace(ctx, ri, r, res, base) // grace.go
	if held != nil {
		return held
	}
	var out []Decision
	var earlier []Step // what the rule's actions did so far on this resource, for the later ones
	incomplete, elsewhere := false, false
	for ai, act := range e.actions[ri] {
		if !sched.takes(act.Name()) {
			continue // the rule's schedule takes the other of start and stop (timing.go)
		}
		d, refused := base, false
		d.Action = act.Name()
		if g.pends(act) {
			d.Outcome, d.Reason = Pending, g.reason
			earlier = append(earlier, Step{Action: d.Action, Mutating: true, Outcome: Pending, Reason: d.Reason})
			out = append(out, d)
			continue
		}
		id := ev.ID
		if in.timer {
			id = timerID(res)
		}
		key := actionKey(g.key(sched.key(id)), r.Name, ai, act, ref)
		if !act.Mutating() && incomplete {
			// A notification of what failed or was held back is not the one of a retry that
			// succeeds: each is sent once.
			key += "|incomplete"
		}
		st := HeldElsewhere // what another process is doing is not this one's to tell: the retry's
		if act.Mutating() || !elsewhere {
			st = e.claim(ctx, key, d.DryRun)
		}
		switch st {
		case AlreadyDone:
			d.Outcome, d.Reason = Duplicate, "event "+ev.ID+" was already handled for this rule, action and resource"
			if in.timer && g == nil && sched == nil {
				d.Reason = fmt.Sprintf("the timer took this action on this resource in its current state within %s already", days(e.ttl(key)))
			}
		case HeldElsewhere:
			// Not a duplicate yet: the claimant may die before acting. Failing leaves the
			// event to its source's retry, which finds it done, or the claim lapsed.
			d.Outcome, d.Reason = Failed, "another ec2guard process or worker is acting on this event, rule, action and resource; left for a retry"
			d.Error, d.Again = ErrClaimed, AgainAfterClaim
			elsewhere = elsewhere || act.Mutating()
		default:
			d, refused = e.run(ctx, act, key, Invocation{Rule: r.Name, Event: ev, Resource: res, Targets: in.targets, DryRun: d.DryRun, Earlier: earlier, Scope: in.scope, Matched: e.matched(r),
				Reread: in.scope.wasChanged(ref.Key())}, d)
			incomplete = incomplete || d.Outcome == Failed || d.Outcome == Suppressed
			if act.Mutating() && d.Outcome == Applied {
				in.scope.markChanged(ref.Key())
			}
		}
		resumed := st == TakenOver && d.Outcome == Skipped && !refused
		if resumed {
			// A process that acted and died before recording it leaves its retry nothing to
			// do: say so, so that the rule's notify tells what may have been done.
			d.Reason += "; " + EarlierAttempt
		}
		earlier = append(earlier, Step{Action: d.Action, Mutating: act.Mutating(), Outcome: d.Outcome, Reason: d.Reason, Error: d.Error, Refused: refused, Resumed: resumed})
		out = append(out, d)
	}
	return e.graceDone(ctx, g, res, out)
}

// timerID names in the ledger keys the failure a Timer's scan takes a rule's action on: the
// resource in its place and its current state (an instance's since it entered it), so that an
// action is taken once a day while the rule's time has come — an instance stopped for 30
// days is reported on the tick it crosses them and then daily, not at every tick — and at
// once when the resource has left the state and come back to it. A grace's and a schedule's
// keys are their own (grace.go, timing.go); a retried tick is the same failure.
func timerID(res *Resource) string {
	id := timerPrefix + res.Account + "/" + res.Region
	if t, ok := res.Attrs["StateTransitionTime"].(time.Time); ok {
		id += "@" + t.UTC().Format(time.RFC3339)
	}
	if res.State != "" {
		id += "|" + string(res.State)
	}
	return id
}

// timerPrefix starts the ledger keys of a Timer's actions; they are remembered TimerTTL at
// most (ttl).
const timerPrefix = "ec2guard-timer@"

// TimerTTL is how long a Timer's action on a failure is remembered: the timer takes it again
// after that if the resource still fails in the same state.
const TimerTTL = 24 * time.Hour

// ttl is how long the ledger remembers key as applied.
func (e *Engine) ttl(key string) time.Duration {
	if strings.HasPrefix(key, timerPrefix) {
		return min(e.cfg.LedgerTTL, TimerTTL)
	}
	return e.cfg.LedgerTTL
}

// days words a duration of whole days as "7 days", any other as time.Duration does.
func days(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		if n := d / (24 * time.Hour); n != 1 {
			return fmt.Sprintf("%d days", n)
		}
		return "a day"
	}
	return d.String()
}

// actionKey is the ledger key of a rule's action on a resource, handled under id: an event's,
// a scheduled transition's (timing.go) or a grace's (grace.go).
func actionKey(id, rule string, ai int, act Action, ref resource.Ref) string {
	return id + "|" + rule + "|" + fmt.Sprint(ai) + ":" + act.Name() + "|" + ref.Key()
}

// Why words a decision for people: its reason (what was done, or being done), then its error
// (why it failed), each once.
func (d Decision) Why() string {
	switch {
	case d.Error == "" || d.Error == d.Reason:
		return cmp.Or(d.Reason, d.Error)
	case d.Reason == "":
		return d.Error
	}
	return d.Reason + ": " + d.Error
}

// matched is an Invocation's Matched for rule r.
func (e *Engine) matched(r *rules.Rule) func(*Resource) ([]resource.GroupRule, bool) {
	return func(res *Resource) ([]resource.GroupRule, bool) { return r.MatchedRules(res, e.cfg.Now()) }
}

// run runs one claimed action under the budget and records its outcome; refused is the
// result's Refused.
func (e *Engine) run(ctx context.Context, act Action, key string, in Invocation, d Decision) (_ Decision, refused bool) {
	var gate *budgetGate
	if act.Mutating() && !d.DryRun {
		gate = &budgetGate{e: e, resource: in.Resource.Key()}
		in.BeforeMutating = gate.take
	}
	result := act.Do(ctx, in)
	if gate != nil {
		result, d.Again = gate.settle(ctx, result)
	}
	e.finish(ctx, key, result.Outcome)
	d.Outcome, d.Reason = result.Outcome, result.Reason
	if result.Err != nil {
		// "doing X: cause" errors whose X is the reason say only the cause.
		d.Error = strings.TrimPrefix(result.Err.Error(), result.Reason+": ")
	}
	if result.Outcome == Suppressed {
		e.cfg.Logger.Warn("action suppressed", "rule", in.Rule, "action", act.Name(), "resource", in.Resource.ID, "reason", d.Reason)
	}
	return d, result.Refused && result.Outcome == Skipped
}

func withErr(d Decision, o Outcome, reason string, err error) Decision {
	d.Outcome, d.Reason = o, reason
	if err != nil {
		d.Error = err.Error()
	}
	return d
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// isSelf reports whether a CloudTrail caller is ec2guard itself: one of Config.Self, as the
// caller's ARN or its role (sessionIssuer). An assumed-role ARN in Self matches every session
// of that role, since each Lambda or task session has its own name.
func (e *Engine) isSelf(id event.UserIdentity) bool {
	for _, arn := range e.cfg.Self {
		if arn == "" {
			continue
		}
		if id.ARN == arn || id.SessionContext.SessionIssuer.ARN == arn {
			return true
		}
		if anyAccount(arn, id.ARN) || anyAccount(arn, id.SessionContext.SessionIssuer.ARN) {
			return true
		}
		if strings.Contains(arn, ":assumed-role/") {
			if i := strings.LastIndexByte(arn, '/'); i > 0 && strings.HasPrefix(id.ARN, arn[:i+1]) {
				return true
			}
		}
	}
	return false
}

// anyAccount matches a Self entry whose account is "*" (arn:aws:iam::*:role/NAME: ec2guard's
// remediation role in every member account of an Organization) against a caller's ARN: the role
// itself, or any session of it (arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION).
func anyAccount(pattern, arn string) bool {
	pp, ap := strings.SplitN(pattern, ":", 6), strings.SplitN(arn, ":", 6)
	if len(pp) != 6 || len(ap) != 6 || pp[4] != "*" || pp[1] != ap[1] || ap[4] == "" {
		return false
	}
	role, ok := strings.CutPrefix(pp[5], "role/")
	if !ok {
		return false
	}
	switch {
	case ap[2] == "iam" && ap[5] == "role/"+role:
		return true
	case ap[2] == "sts" && strings.HasPrefix(ap[5], "assumed-role/"+role+"/"):
		return true
	}
	return false
}

// claim decides whether the action of key may run: not if this process applied it (or
// dry-ran it) already or is working on it, nor if the ledger says it was applied or another
// process holds it. A dry run only reads the ledger; a real run claims the key there, and
// finish records the outcome.
func (e *Engine) claim(ctx context.Context, key string, dryRun bool) ClaimState {
	now := e.cfg.Now()
	e.mu.Lock()
	when, ok := e.done[key]
	switch {
	case ok && now.Sub(when) < e.ttl(key):
		e.mu.Unlock()
		return AlreadyDone
	case e.working[key]:
		e.mu.Unlock()
		return HeldElsewhere
	}
	e.working[key] = true
	e.mu.Unlock()
	if e.cfg.Ledger == nil {
		return Claimed
	}
	var st ClaimState
	var err error
	if dryRun {
		var seen bool
		if seen, err = e.cfg.Ledger.Seen(ctx, key, now); seen {
			st = AlreadyDone
		}
	} else {
		st, err = e.cfg.Ledger.Claim(ctx, key, e.owner, now, e.lease(ctx))
	}
	if err != nil {
		// Acting twice is safer than not acting: every action re-checks the resource first.
		e.cfg.Logger.Warn("idempotency ledger unavailable; relying on check-before-act", "error", err)
		st = Claimed
	}
	if st != Claimed && st != TakenOver {
		e.mu.Lock()
		delete(e.working, key)
		e.mu.Unlock()
	}
	return st
}

// lease is how long a claim may hold a key: within a deadline (a Lambda invocation's), until
// a little after it, since the process is gone by then.
func (e *Engine) lease(ctx context.Context) time.Duration {
	lease := e.cfg.ClaimLease
	if dl, ok := ctx.Deadline(); ok {
		if l := time.Until(dl) + LeaseGrace; l < lease {
			lease = max(l, time.Second)
		}
	}
	return lease
}

// finish records what became of a claimed key. Applied is remembered here and in the
// ledger; a dry run here only (a later enforcing run still acts); anything else releases the
// claim so that a redelivery tries again.
func (e *Engine) finish(ctx context.Context, key string, o Outcome) {
	now := e.cfg.Now()
	e.mu.Lock()
	delete(e.working, key)
	// A timer's dry run is told again at its next tick: nothing was done to remember.
	if o == Applied || o == DryRun && !strings.HasPrefix(key, timerPrefix) {
		e.rememberLocked(key, now)
	}
	e.mu.Unlock()
	switch {
	case e.cfg.Ledger == nil || o == DryRun:
	case o == Applied:
		if err := e.cfg.Ledger.MarkDone(ctx, key, e.owner, now, e.ttl(key)); err != nil {
			e.cfg.Logger.Warn("recording an applied action in the ledger", "key", key, "error", err)
		}
	default:
		if err := e.cfg.Ledger.Release(ctx, key, e.owner); err != nil {
			e.cfg.Logger.Warn("releasing a claim in the ledger; it lapses after its lease", "key", key, "error", err)
		}
	}
}

// budgetGate is the budget of one mutating action: taken once, when the action is about to
// make its mutating call, so that what finds nothing to do (a stale event) counts nothing.
type budgetGate struct {
	e        *Engine
	resource string
	mu       sync.Mutex
	taken    bool
	held     *HeldBack
}

// take is the action's Invocation.BeforeMutating: the first call takes the action from the
// budget, later calls repeat its answer.
func (g *budgetGate) take(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.held != nil:
		return g.held
	case g.taken:
		return nil
	}
	if why, again := g.e.budget(ctx, g.resource); why != "" {
		g.held = &HeldBack{Reason: why, Again: again}
		return g.held
	}
	g.taken = true
	return nil
}

// settle makes the result agree with the budget: an action the budget held back is
// suppressed whatever it returned, and one that reports a change without having asked is
// counted now (it cannot be held back any more, but the next one can).
func (g *budgetGate) settle(ctx context.Context, r Result) (Result, Again) {
	g.mu.Lock()
	held, taken := g.held, g.taken
	g.mu.Unlock()
	switch {
	case held != nil:
		return Result{Outcome: Suppressed, Reason: held.Reason}, held.Again
	case r.Outcome == Applied && !taken:
		if why, _ := g.e.budget(ctx, g.resource); why != "" {
			g.e.cfg.Logger.Warn("a mutating action acted without asking the budget first, past it", "resource", g.resource, "budget", why)
		}
	}
	return r, NotAgain
}

// budget takes one mutating action from the per-run cap, then from the loop budget and the
// per-minute cap of the Budget (shared or local), or says why it cannot. A shared Budget
// that fails is replaced by this process's count for that action, so a loop within one
// process is still caught.
func (e *Engine) budget(ctx context.Context, resource string) (why string, again Again) {
	now := e.cfg.Now()
	e.mu.Lock()
	if e.cfg.MaxPerRun > 0 && e.applied >= e.cfg.MaxPerRun {
		n := e.applied
		e.mu.Unlock()
		return fmt.Sprintf("blast radius: %s in this run already (cap %d)", mutating(n), e.cfg.MaxPerRun), NotAgain
	}
	e.applied++ // reserved; given back if the Budget says no
	e.mu.Unlock()
	var b Budget = e.local
	if e.cfg.Budget != nil {
		b = e.cfg.Budget
	}
	x, err := b.Take(ctx, resource, now, e.limits)
	if err != nil {
		e.cfg.Logger.Warn("shared budget unavailable; counting in this process only", "error", err)
		x, _ = e.local.Take(ctx, resource, now, e.limits)
	}
	if x == WithinLimits {
		return "", NotAgain
	}
	e.mu.Lock()
	e.applied--
	e.mu.Unlock()
	if x == LoopBudgetExceeded {
		return fmt.Sprintf("loop budget: %s on %s within %s already (a remediation loop?)", mutating(e.limits.LoopBudget), resource, e.limits.LoopWindow), NotAgain
	}
	if x == ScanCapExceeded {
		return "blast radius: the scan's cap of mutating actions is reached (counted across all of its parts)", NotAgain
	}
	return fmt.Sprintf("blast radius: %s in the last minute already (cap %d)", mutating(e.limits.MaxPerMinute), e.limits.MaxPerMinute), AgainAfterMinute
}

// RateLimited reports whether the decision's action was held back by the per-minute cap
// alone: unlike a loop or the per-run cap, that passes, so a source whose events can come
// again should let it come again rather than drop it.
func RateLimited(d Decision) bool { return d.Again == AgainAfterMinute }

// localBudget is the Budget of one process: sliding windows of the times of recent actions.
type localBudget struct {
	mu      sync.Mutex
	perRes  map[string][]time.Time // resource → recent mutating actions
	minute  []time.Time            // recent mutating actions (blast radius)
	sweepAt int                    // len(perRes) past which idle resources are dropped
}

func newLocalBudget() *localBudget {
	return &localBudget{perRes: map[string][]time.Time{}, sweepAt: 1024}
}

func (b *localBudget) Take(_ context.Context, resource string, now time.Time, l Limits) (Exceeded, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	recent := prune(b.perRes[resource], now.Add(-l.LoopWindow))
	b.minute = prune(b.minute, now.Add(-time.Minute))
	b.perRes[resource] = recent
	if len(b.perRes) > b.sweepAt {
		// Resources with no action in the window are forgotten, so a long-running process
		// holds only its recent ones.
		for r, ts := range b.perRes {
			if len(prune(ts, now.Add(-l.LoopWindow))) == 0 {
				delete(b.perRes, r)
			}
		}
		b.sweepAt = max(1024, 2*len(b.perRes))
	}
	switch {
	case len(recent) >= l.LoopBudget:
		return LoopBudgetExceeded, nil
	case l.MaxPerMinute > 0 && len(b.minute) >= l.MaxPerMinute:
		return MinuteCapExceeded, nil
	}
	b.perRes[resource] = append(recent, now)
	b.minute = append(b.minute, now)
	return WithinLimits, nil
}

func prune(ts []time.Time, after time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(after) {
		i++
	}
	return ts[i:]
}

// Rules is the rule set the engine was prepared with.
func (e *Engine) Rules() *rules.Set { return e.cfg.Rules }

// mutating counts mutating actions in words: "1 mutating action", "3 mutating actions".
func mutating(n int) string {
	if n == 1 {
		return "1 mutating action"
	}
	return fmt.Sprintf("%d mutating actions", n)
}
