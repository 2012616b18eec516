package engine

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/exception"
	"github.com/ec2guard/ec2guard/resource"
)

// A scan judges resources as they are now, with no event: its records say so.
const (
	ScanSource     = "ec2guard.scan" // the event_source of a scan's records
	ScanDetailType = "ec2guard scan" // their detail_type, and the templates' .DetailType
)

// Unscanned is a rule a scan does not apply, and why.
type Unscanned struct {
	Rule string
	Why  string
}

// scanPlan is what New decides once of each rule for scans.
type scanPlan struct {
	unscanned string // why a scan never applies the rule; "" when it may
	states    bool   // the pattern selects instance state-change notifications
	timed     bool   // time alone can make it act (rules.Rule.TimeDriven): a Timer applies it
	// allTimed: a Timer applies it to every resource it judges (a schedule, a stopped-for or
	// older-than filter: time makes any of them fail); otherwise only to those time has
	// changed the verdict of since their event (timerMay).
	allTimed bool
}

func (e *Engine) planScans() {
	for ri, r := range e.cfg.Rules.Rules {
		var p scanPlan
		for _, a := range e.actions[ri] {
			if cb, ok := a.(CallBound); ok && cb.NeedsCall() {
				p.unscanned = "its action " + a.Name() + " acts on what a CloudTrail call did (its caller, what it created), which a scan has no call to tell"
				break
			}
		}
		p.states = r.SelectsStateChanges()
		p.timed = r.TimeDriven() != ""
		p.allTimed = r.Schedule != nil || r.TimeFilters()
		e.scans = append(e.scans, p)
	}
}

// Unscanned lists the rules a scan never applies, and why, in the rule file's order.
func (e *Engine) Unscanned() []Unscanned {
	var out []Unscanned
	for ri, p := range e.scans {
		if p.unscanned != "" {
			out = append(out, Unscanned{Rule: e.cfg.Rules.Rules[ri].Name, Why: p.unscanned})
		}
	}
	return out
}

// scanned reports whether a scan applies rule ri to resources of kind; with timedOnly,
// whether a Timer's scan does.
func (e *Engine) scanned(ri int, kind resource.Kind, timedOnly bool) bool {
	p := e.scans[ri]
	return p.unscanned == "" && (p.timed || !timedOnly) && slices.Contains(e.cfg.Rules.Rules[ri].Resources, kind)
}

// ScanKinds returns the kinds of resource that the rules a scan applies judge, in
// resource.Kinds' order: what a scan lists.
func (e *Engine) ScanKinds() []resource.Kind { return e.scanKinds(false) }

func (e *Engine) scanKinds(timedOnly bool) []resource.Kind {
	var out []resource.Kind
	for _, k := range resource.Kinds() {
		for ri := range e.scans {
			if e.scanned(ri, k, timedOnly) {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// ScanNeeds returns what the filters of the rules a scan applies to a kind need read of a
// resource of it: what a scan's listing should fetch, so that Judge reads nothing again.
func (e *Engine) ScanNeeds(kind resource.Kind) resource.Needs { return e.scanNeeds(kind, false) }

func (e *Engine) scanNeeds(kind resource.Kind, timedOnly bool) resource.Needs {
	var n resource.Needs
	for ri := range e.scans {
		if e.scanned(ri, kind, timedOnly) {
			n |= e.needsOf(ri, kind)
		}
	}
	return n
}

// Timer is the engine as the scan of a deployment's timer applies it: only the rules that
// time alone can make act (rules.Rule.TimeDriven: a grace come due, a schedule's change, a
// min-age passed, an exception expired, a stopped-for or older-than crossed), which no event
// tells of. Its actions are keyed by the failure, not the run (timerID). A deployment
// whose events take the other rules' actions, and that scans nothing else on a schedule, has
// the timer scan these (deploy's TimerSchedule). It is a scan's Judge (source.Judge), with
// the engine's ledger, budget and caps.
type Timer struct{ e *Engine }

// Timer returns the engine as a timer's scan applies it.
func (e *Engine) Timer() Timer { return Timer{e} }

// Rules names the rules a timer's scan applies, in the rule file's order.
func (t Timer) Rules() []string {
	var out []string
	for ri, p := range t.e.scans {
		if p.unscanned == "" && p.timed {
			out = append(out, t.e.cfg.Rules.Rules[ri].Name)
		}
	}
	return out
}

// ScanKinds is Engine.ScanKinds of the time-driven rules.
func (t Timer) ScanKinds() []resource.Kind { return t.e.scanKinds(true) }

// ScanNeeds is Engine.ScanNeeds of the time-driven rules.
func (t Timer) ScanNeeds(kind resource.Kind) resource.Needs { return t.e.scanNeeds(kind, true) }

// Judge is Engine.Judge with the time-driven rules only.
func (t Timer) Judge(ctx context.Context, run string, res *Resource) []Decision {
	return t.e.judge(ctx, run, res, true)
}

// ScanID is the event_id of a scan's records of a resource: the scan run's name, the place
// and the resource, so that ledger keys differ per run and per place (an account's settings
// have the account's id in every region).
func ScanID(run string, ref resource.Ref) string {
	id := "scan-" + run + "-"
	if ref.Account != "" {
		id += ref.Account + "-"
	}
	return id + ref.Region + "-" + ref.ID
}

// Judge applies to one resource a scan has read every rule a scan may apply to it: the rules
// that judge its kind (rules.Rule.Resources) and whose actions need no CloudTrail call (see
// Unscanned); of those whose pattern selects instance state-change notifications, an
// instance is judged only by those that select the notification of its current state, in
// its place — a rule on stopped instances sees every stopped instance. The ledger, the loop
// budget, the caps and dry run apply as in Handle; run names the scan (its records' event_id
// is ScanID(run, res.Ref), their event_source ScanSource). What a rule's filters need that
// res was not read with (res.Read) is read once, through the Inventory. It never returns no
// record: one that no rule judges yields "no rule matched".
func (e *Engine) Judge(ctx context.Context, run string, res *Resource) []Decision {
	return e.judge(ctx, run, res, false)
}

func (e *Engine) judge(ctx context.Context, run string, res *Resource, timedOnly bool) []Decision {
	start := e.cfg.Now()
	id := ScanID(run, res.Ref)
	base := Decision{
		Time: start.UTC().Format(time.RFC3339Nano), EventID: id, EventSource: ScanSource, DetailType: ScanDetailType,
		Account: res.Account, Region: res.Region, Kind: res.Kind, Resource: res.ID, DryRun: e.cfg.DryRun,
	}
	finish := func(out []Decision) []Decision {
		now := e.cfg.Now()
		for i := range out {
			out[i].DurationMS = ms(now.Sub(start))
		}
		return out
	}
	ev := &event.Event{Version: "0", ID: id, Source: ScanSource, DetailType: ScanDetailType,
		Account: res.Account, Region: res.Region, Time: start.UTC().Format(time.RFC3339)}
	candidates, needs := e.scanCandidates(res.Kind, timedOnly)
	var readErr error
	if res.Exists && len(candidates) > 0 && !res.Read.Has(needs) {
		if got, err := e.reread(ctx, res, needs); err != nil {
			readErr = err
		} else {
			res = got
		}
	}
	applied := candidates
	if readErr == nil {
		var err error
		if applied, err = e.byState(candidates, res, ev); err != nil {
			return finish([]Decision{withErr(base, Failed, "matching the instance's state against the rules", err)})
		}
	}
	if len(applied) == 0 {
		d := base
		d.Outcome, d.Reason = Skipped, "no rule matched"
		return finish([]Decision{d})
	}
	scope := &Scope{}
	var out []Decision
	for _, ri := range applied {
		rb := e.ofRule(base, ri)
		if readErr != nil {
			out = append(out, withErr(rb, Failed, "reading the resource", readErr))
			continue
		}
		if timedOnly && !e.scans[ri].allTimed {
			if why := e.timerMay(ev, ri, res); why != "" {
				rb.Outcome, rb.Reason = Skipped, why
				out = append(out, rb)
				continue
			}
		}
		out = append(out, e.apply(ctx, invocation{ev: ev, targets: []*Resource{res}, scope: scope, timer: timedOnly}, ri, res, rb)...)
	}
	return finish(out)
}

// timerMay says why a Timer leaves a resource to rule ri's events ("" when it judges it): of a
// rule that is not wholly the timer's (scanPlan.allTimed), it judges only the resources time
// has changed the verdict of since their event — a grace pending (its tag: the due actions;
// the events start graces), a re-check due (its tag: what the rule's min-age or an exception
// by principal spared on an event, rules.RecheckTag), an exception by tag, id or account
// expired. The rest were judged by their events, and a deploy must not turn the rule into a
// scan of the fleet.
func (e *Engine) timerMay(ev *event.Event, ri int, res *Resource) string {
	r := e.cfg.Rules.Rules[ri]
	if !r.Grace.Zero() {
		if _, ok := res.Tags[PendingTag(r.Name)]; ok {
			return ""
		}
	}
	if recheckDue(r, res, e.cfg.Now()) {
		return ""
	}
	if r.Expiring() && e.exceptionVerdict(ev, r, res).Status == exception.Expired {
		return ""
	}
	return "left to the rule's events: the timer takes a rule's due graces and re-checks, and the resources whose exception expired"
}

// scanCandidates returns the rules a scan may apply to a resource of kind, in the rule
// file's order, and what they need read of it: their filters' needs, and its state where a
// rule on state changes is to be held to it.
func (e *Engine) scanCandidates(kind resource.Kind, timedOnly bool) (out []int, needs resource.Needs) {
	for ri, p := range e.scans {
		if !e.scanned(ri, kind, timedOnly) {
			continue
		}
		out = append(out, ri)
		needs |= e.needsOf(ri, kind)
		if p.states && kind == resource.Instance {
			needs |= resource.NeedDescribe
		}
	}
	return out, needs
}

// byState keeps, of the candidates, those that do not select state changes, and those that
// select the state-change notification of the instance in its current state and place. A
// resource gone or read without its state is judged by all of them (the records say it is
// gone).
func (e *Engine) byState(candidates []int, res *Resource, scan *event.Event) ([]int, error) {
	if res.Kind != resource.Instance || !res.Exists || res.State == "" {
		return candidates, nil
	}
	var hits []int
	matched := false
	out := candidates[:0:0]
	for _, ri := range candidates {
		if e.scans[ri].states {
			if !matched {
				matched = true
				ev, err := event.StateChange(scan.ID, res.Place, res.ID, res.State, e.cfg.Now())
				if err != nil {
					return nil, err
				}
				if hits, err = e.cfg.Rules.Matcher.Match(ev.Raw, nil); err != nil {
					return nil, err
				}
			}
			if !slices.Contains(hits, ri) {
				continue
			}
		}
		out = append(out, ri)
	}
	return out, nil
}

// reread reads res again with what the rules need besides what it was read with.
func (e *Engine) reread(ctx context.Context, res *Resource, needs resource.Needs) (*Resource, error) {
	if e.cfg.Inventory == nil {
		return nil, errors.New("the filters need more of the resource than the scan read, and no inventory is configured")
	}
	return e.cfg.Inventory.Get(ctx, res.Ref, needs|res.Read)
}
