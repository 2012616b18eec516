// Package engine decides and runs remediations: prepared once from a rule set, it handles
// each event — self-exclusion, one match against all rules, the resources the event concerns
// read once, filters, then each action under the safety rules of PRODUCT §3.4 (idempotency,
// dry run, per-resource loop budget, blast-radius caps) — and returns one decision record per
// (rule, resource, action). The clock, the logger, the AWS side (Inventory, actions) and the
// idempotency ledger are injected.
//
// API:
//
//	New(Config) (*Engine, error)
//	(*Engine).Handle(ctx, *event.Event) []Decision   // safe for concurrent use
//	RejectedInput(source, pos string, err error) Decision
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/rules"
)

// Ledger remembers which actions were applied, so a redelivered event is not acted on twice.
type Ledger interface {
	Seen(ctx context.Context, key string) (bool, error)
	MarkDone(ctx context.Context, key string, ttl time.Duration) error
}

// Config prepares an Engine. Zero values take the defaults noted.
type Config struct {
	Rules     *rules.Set
	NewAction func(rules.ActionSpec) (Action, error) // builds each rule's actions once
	Inventory Inventory                              // reads resources for filters
	Ledger    Ledger                                 // nil: idempotency within this process only
	DryRun    bool                                   // the --dry-run flag: no mutating call at all
	Now       func() time.Time                       // default time.Now
	Logger    *slog.Logger                           // default: discard
	Self      []string                               // ARNs of ec2guard's own identity: their CloudTrail events are ignored

	LoopBudget   int           // mutating actions per resource per LoopWindow (default 3)
	LoopWindow   time.Duration // default 10m
	MaxPerRun    int           // mutating actions per Engine lifetime (default 100; <0 unlimited)
	MaxPerMinute int           // mutating actions per minute (default 30; <0 unlimited)
	LedgerTTL    time.Duration // how long an applied action is remembered (default 7 days)
}

// Engine is a prepared rule set.
type Engine struct {
	cfg     Config
	actions [][]Action // per rule, per action
	needInv []bool     // per rule: a filter reads the resource's current state

	mu      sync.Mutex
	done    map[string]time.Time   // in-process idempotency: key → when
	perRes  map[string][]time.Time // resource → recent mutating actions
	minute  []time.Time            // recent mutating actions (blast radius)
	applied int                    // mutating actions in this Engine's lifetime
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
	e := &Engine{cfg: cfg, done: map[string]time.Time{}, perRes: map[string][]time.Time{}}
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
		e.needInv = append(e.needInv, slices.ContainsFunc(r.Filters, rules.Filter.NeedsResource))
	}
	return e, nil
}

// Decision is one decision record (PRODUCT §4).
type Decision struct {
	Time        string  `json:"time"`
	EventID     string  `json:"event_id"`
	EventSource string  `json:"event_source"`
	DetailType  string  `json:"detail_type"`
	EventName   string  `json:"event_name"`
	Account     string  `json:"account"`
	Region      string  `json:"region"`
	Rule        string  `json:"rule"`
	Resource    string  `json:"resource"`
	Action      string  `json:"action"`
	Outcome     Outcome `json:"outcome"`
	Reason      string  `json:"reason"`
	Error       string  `json:"error"`
	DryRun      bool    `json:"dry_run"`
	DurationMS  float64 `json:"duration_ms"`
}

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
	var ct *event.CloudTrail
	if ev.DetailType == event.DetailTypeAPICall {
		if d, err := ev.CloudTrailDetail(); err == nil {
			ct = d
			base.EventName = d.EventName
		}
	}
	if ct != nil && e.isSelf(ct.UserIdentity) {
		d := base
		d.Outcome, d.Reason = Skipped, "caused by ec2guard's own identity ("+ct.UserIdentity.ARN+")"
		return one(d)
	}
	targets, known, err := event.Targets(ev)
	var out []Decision
	for _, ri := range hits {
		r := e.cfg.Rules.Rules[ri]
		rb := base
		rb.Rule = r.Name
		rb.DryRun = e.cfg.DryRun || r.Mode == rules.DryRun
		switch {
		case err != nil:
			out = append(out, withErr(rb, Rejected, "cannot read the resources of the event", err))
			continue
		case ct != nil && ct.ErrorCode != "":
			rb.Outcome, rb.Reason = Skipped, "the API call failed ("+ct.ErrorCode+"): nothing was created"
			out = append(out, rb)
			continue
		case !known || len(targets) == 0:
			rb.Outcome, rb.Reason = Skipped, "the event names no resource ec2guard acts on"
			out = append(out, rb)
			continue
		}
		for _, t := range targets {
			out = append(out, e.onResource(ctx, ev, ri, t, rb)...)
		}
	}
	now := e.cfg.Now()
	for i := range out {
		out[i].DurationMS = ms(now.Sub(start))
	}
	return out
}

func (e *Engine) onResource(ctx context.Context, ev *event.Event, ri int, t event.Target, base Decision) []Decision {
	r := e.cfg.Rules.Rules[ri]
	base.Resource = t.ID
	res := &Resource{Kind: t.Kind, ID: t.ID, Region: ev.Region, Account: ev.Account, Exists: true}
	if e.needInv[ri] {
		if e.cfg.Inventory == nil {
			return []Decision{withErr(base, Failed, "filters need the resource's current state", errors.New("no inventory configured"))}
		}
		got, err := e.cfg.Inventory.Get(ctx, t.Kind, ev.Region, t.ID)
		if err != nil {
			return []Decision{withErr(base, Failed, "reading the resource", err)}
		}
		res = got
		if !res.Exists {
			base.Outcome, base.Reason = Skipped, "the resource no longer exists"
			return []Decision{base}
		}
	}
	for _, f := range r.Filters {
		if !f.Match(res.Kind, res.ID, res.State, res.Tags) {
			base.Outcome, base.Reason = Skipped, "filter at "+f.Loc.String()+" ("+describe(f)+") does not hold"
			return []Decision{base}
		}
	}
	var out []Decision
	var suppressed []string
	for ai, act := range e.actions[ri] {
		d := base
		d.Action = act.Name()
		key := ev.ID + "|" + r.Name + "|" + fmt.Sprint(ai) + ":" + act.Name() + "|" + t.Kind + ":" + t.ID
		if e.seen(ctx, key) {
			d.Outcome, d.Reason = Duplicate, "event "+ev.ID+" was already handled for this rule, action and resource"
			out = append(out, d)
			continue
		}
		if act.Mutating() && !d.DryRun {
			if why := e.budget(res.Kind + ":" + res.ID); why != "" {
				d.Outcome, d.Reason = Suppressed, why
				suppressed = append(suppressed, act.Name()+": "+why)
				e.cfg.Logger.Warn("action suppressed", "rule", r.Name, "action", act.Name(), "resource", t.ID, "reason", why)
				out = append(out, d)
				continue
			}
		}
		result := act.Do(ctx, Invocation{Rule: r.Name, Event: ev, Resource: res, DryRun: d.DryRun, Suppressed: suppressed})
		d.Outcome, d.Reason = result.Outcome, result.Reason
		if result.Err != nil {
			d.Error = result.Err.Error()
		}
		switch result.Outcome {
		case Applied:
			e.markDone(ctx, key)
		case DryRun:
			e.remember(key) // a repeat within this run is a duplicate; a later enforce run still acts
		}
		out = append(out, d)
	}
	return out
}

func withErr(d Decision, o Outcome, reason string, err error) Decision {
	d.Outcome, d.Reason = o, reason
	if err != nil {
		d.Error = err.Error()
	}
	return d
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func describe(f rules.Filter) string {
	switch f.Kind {
	case rules.FilterTag:
		if len(f.Values) > 0 {
			return fmt.Sprintf("tag %s %s %v", f.Tag, f.Op, f.Values)
		}
		return fmt.Sprintf("tag %s %s", f.Tag, f.Op)
	default:
		return fmt.Sprintf("%s in %v", f.Kind, f.Values)
	}
}

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
		if strings.Contains(arn, ":assumed-role/") {
			if i := strings.LastIndexByte(arn, '/'); i > 0 && strings.HasPrefix(id.ARN, arn[:i+1]) {
				return true
			}
		}
	}
	return false
}

// seen reports whether key was handled: in this process, or (for applied actions) in the ledger.
func (e *Engine) seen(ctx context.Context, key string) bool {
	e.mu.Lock()
	when, ok := e.done[key]
	e.mu.Unlock()
	if ok && e.cfg.Now().Sub(when) < e.cfg.LedgerTTL {
		return true
	}
	if e.cfg.Ledger == nil {
		return false
	}
	seen, err := e.cfg.Ledger.Seen(ctx, key)
	if err != nil {
		// Acting twice is safer than not acting: every action re-checks the resource first.
		e.cfg.Logger.Warn("idempotency ledger unavailable; relying on check-before-act", "error", err)
		return false
	}
	return seen
}

func (e *Engine) remember(key string) {
	e.mu.Lock()
	e.done[key] = e.cfg.Now()
	e.mu.Unlock()
}

func (e *Engine) markDone(ctx context.Context, key string) {
	e.remember(key)
	if e.cfg.Ledger != nil {
		if err := e.cfg.Ledger.MarkDone(ctx, key, e.cfg.LedgerTTL); err != nil {
			e.cfg.Logger.Warn("recording an applied action in the ledger", "key", key, "error", err)
		}
	}
}

// budget takes one mutating action from the per-resource loop budget and the blast-radius
// caps, or says why it cannot.
func (e *Engine) budget(resource string) string {
	now := e.cfg.Now()
	e.mu.Lock()
	defer e.mu.Unlock()
	recent := prune(e.perRes[resource], now.Add(-e.cfg.LoopWindow))
	e.minute = prune(e.minute, now.Add(-time.Minute))
	switch {
	case len(recent) >= e.cfg.LoopBudget:
		e.perRes[resource] = recent
		return fmt.Sprintf("loop budget: %d mutating actions on %s within %s already (a remediation loop?)", len(recent), resource, e.cfg.LoopWindow)
	case e.cfg.MaxPerRun > 0 && e.applied >= e.cfg.MaxPerRun:
		return fmt.Sprintf("blast radius: %d mutating actions in this run already (cap %d)", e.applied, e.cfg.MaxPerRun)
	case e.cfg.MaxPerMinute > 0 && len(e.minute) >= e.cfg.MaxPerMinute:
		return fmt.Sprintf("blast radius: %d mutating actions in the last minute already (cap %d)", len(e.minute), e.cfg.MaxPerMinute)
	}
	e.perRes[resource] = append(recent, now)
	e.minute = append(e.minute, now)
	e.applied++
	return ""
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
