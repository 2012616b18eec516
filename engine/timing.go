package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/exception"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
	"github.com/ec2guard/ec2guard/schedule"
)

// This file applies what a rule says of its timing (rules.Timing) on the resource as read:
// min-age, exceptions and schedule, after the filters and before any action.

// spare says whether rule ri leaves res alone: an honoured exception, a resource younger than
// the rule's min-age (judged again by a later scan, once older: not dropped), or a schedule
// that says to leave the instance as it is. An expired exception, or an exception tag that
// cannot be read, is logged and spares nothing. sched says which of the rule's actions run
// (of start and stop, the one the schedule decided; every other action) and under which
// ledger key: nil for a rule without a schedule.
func (e *Engine) spare(ctx context.Context, ev *event.Event, ri int, res *Resource, base Decision) (_ Decision, sched *scheduleRun, spared bool) {
	r := e.cfg.Rules.Rules[ri]
	d, spared, again := e.except(ev, r, res, base)
	e.recheck(ctx, r, res, spared, again, base.DryRun)
	if spared || r.Schedule == nil {
		return d, nil, spared
	}
	return e.scheduled(ctx, ri, res, base)
}

// recheck keeps the resource's re-check tag (rules.RecheckTag) to what this judgement says:
// spared until again, it is written (the timer judges the resource then); judged, it is
// removed, the re-check done — by the timer, or by an event that came first. A dry run writes
// nothing. A tag that cannot be written or removed is logged: the scan or an event judges the
// resource then.
func (e *Engine) recheck(ctx context.Context, r *rules.Rule, res *Resource, spared bool, again time.Time, dryRun bool) {
	if e.cfg.Marker == nil || dryRun || !r.Rechecks() {
		return
	}
	key := rules.RecheckTag(r.Name)
	had, ok := res.Tags[key]
	want := ""
	if spared && !again.IsZero() {
		want = again.UTC().Format(time.RFC3339)
	}
	var err error
	switch {
	case want != "" && had != want:
		err = e.cfg.Marker.SetTag(ctx, res.Ref, key, want)
	case want == "" && ok:
		err = e.cfg.Marker.DeleteTag(ctx, res.Ref, key)
	}
	if err != nil {
		e.cfg.Logger.Warn("keeping the re-check tag", "rule", r.Name, "resource", res.ID, "tag", key, "error", err)
	}
}

// recheckDue reports whether the resource's re-check tag of r says it is due at now.
func recheckDue(r *rules.Rule, res *Resource, now time.Time) bool {
	v, ok := res.Tags[rules.RecheckTag(r.Name)]
	if !ok {
		return false
	}
	at, err := time.Parse(time.RFC3339, v)
	return err != nil || !now.Before(at) // a tag edited into nonsense is due: judged, and rewritten or removed
}

// scheduleRun is what a rule's schedule makes of one instance's actions this time.
type scheduleRun struct {
	other  string // the one of start and stop the schedule did not choose
	prefix string // the scheduled transition, which replaces the event's id in the ledger keys
}

// takes says whether the rule's action runs: every one but the other of start and stop.
func (s *scheduleRun) takes(action string) bool { return s == nil || action != s.other }

// key is the ledger key's first part: the event's id, or the scheduled transition's. The
// action of a transition is taken once per instance, whichever event or scan meets it first.
func (s *scheduleRun) key(eventID string) string {
	if s == nil {
		return eventID
	}
	return s.prefix
}

// scheduled applies rule ri's schedule to an instance. A person's change after the last
// scheduled transition is told two ways: the instance entered its state after the transition
// (its StateTransitionTime, on AWS's clock), or ec2guard took that transition's action on it
// already (the ledger's record, on ec2guard's own clock), so the state it is in now is not
// the one ec2guard left it in. The second holds whatever AWS's and ec2guard's clocks say.
func (e *Engine) scheduled(ctx context.Context, ri int, res *Resource, base Decision) (Decision, *scheduleRun, bool) {
	r := e.cfg.Rules.Rules[ri]
	skip := func(reason string) (Decision, *scheduleRun, bool) {
		base.Outcome, base.Reason = Skipped, reason
		return base, nil, true
	}
	if res.Kind != resource.Instance {
		return skip("a schedule starts and stops instances, not a " + string(res.Kind))
	}
	s, err := r.Schedule.For(res.Tags, e.cfg.Rules.Tables)
	if err != nil {
		return skip("the instance's " + r.Schedule.Tag + " tag: " + err.Error())
	}
	if s == nil {
		return skip("the instance has no " + r.Schedule.Tag + " tag, and the rule's schedule no default")
	}
	since, ok := res.Attrs["StateTransitionTime"].(time.Time)
	if !ok {
		// Without it a person's manual stop cannot be told from an old one: leave it.
		return skip("the instance was read without its StateTransitionTime, which a schedule needs")
	}
	now := e.cfg.Now()
	dec := s.Decide(now, res.State, since)
	if dec.Action == schedule.Leave {
		return skip("schedule " + s.String() + ": " + dec.Reason)
	}
	run := &scheduleRun{other: "start", prefix: "schedule|" + dec.Last.At.UTC().Format(time.RFC3339)}
	want := "stop"
	if dec.Action == schedule.Start {
		run.other, want = "stop", "start"
	}
	if !base.DryRun {
		for ai, act := range e.actions[ri] {
			if act.Name() == want && e.took(ctx, actionKey(run.prefix, r.Name, ai, act, res.Ref)) {
				how := "by someone else (ec2guard's ledger records its " + want + ")"
				return skip("schedule " + s.String() + ": " + s.Overridden(now, res.State, dec.Last, how).Reason)
			}
		}
	}
	base.Reason = dec.Reason
	return base, run, false
}

// took says whether the action of key was applied: in this process, or by the ledger's
// record. A ledger that cannot answer says no (the action's own claim then decides).
func (e *Engine) took(ctx context.Context, key string) bool {
	now := e.cfg.Now()
	e.mu.Lock()
	when, ok := e.done[key]
	e.mu.Unlock()
	if ok && now.Sub(when) < e.cfg.LedgerTTL {
		return true
	}
	if e.cfg.Ledger == nil {
		return false
	}
	seen, err := e.cfg.Ledger.Seen(ctx, key, now)
	if err != nil {
		e.cfg.Logger.Warn("idempotency ledger unavailable; a schedule judges a manual change by the instance's transition time alone", "error", err)
	}
	return seen
}

// except applies min-age and exceptions; again is when a resource spared is to be judged
// again, where no event would tell (its min-age passed; an exception by principal expired).
func (e *Engine) except(ev *event.Event, r *rules.Rule, res *Resource, base Decision) (_ Decision, spared bool, again time.Time) {
	now := e.cfg.Now()
	if r.MinAge > 0 {
		if born, ok := created(res); ok && now.Sub(born) < r.MinAge {
			base.Outcome = Skipped
			base.Reason = fmt.Sprintf("younger than the rule's min-age %s (created %s): judged again once older",
				r.MinAge, born.UTC().Format(time.RFC3339))
			return base, true, born.Add(r.MinAge)
		}
	}
	if len(r.Exceptions) == 0 {
		return base, false, time.Time{}
	}
	switch v := e.exceptionVerdict(ev, r, res); v.Status {
	case exception.Honoured:
		base.Outcome, base.Reason = Skipped, v.String()
		if x := v.Exception; x != nil && len(x.Principals) > 0 && !x.Until.IsZero() {
			again = x.Until // a scan has no caller to judge it by: the tag tells the timer
		}
		return base, true, again
	case exception.Expired, exception.Invalid:
		e.cfg.Logger.Warn("exception not honoured", "rule", r.Name, "resource", res.ID, "status", v.Status.String(), "reason", v.String())
	}
	return base, false, time.Time{}
}

// exceptionVerdict judges the rule's exceptions on the resource now: its id, account and
// tags, and who acted (the event's caller, the PrincipalId tag).
func (e *Engine) exceptionVerdict(ev *event.Event, r *rules.Rule, res *Resource) exception.Verdict {
	s := exception.Subject{ID: res.ID, Account: res.Place.Account, Tags: res.Tags}
	if ev != nil && ev.DetailType == event.DetailTypeAPICall {
		if ct, err := ev.CloudTrailDetail(); err == nil {
			id := ct.Identity()
			s.Principals = append(s.Principals, id.PrincipalID, id.ARN)
		}
	}
	s.Principals = append(s.Principals, res.Tags["PrincipalId"])
	return exception.Evaluate(r.Exceptions, s, e.cfg.Now())
}

// created is when the resource came to be, from the Describe field of its kind.
func created(res *Resource) (time.Time, bool) {
	for _, k := range []string{"LaunchTime", "CreateTime", "StartTime", "CreationDate"} {
		switch v := res.Attrs[k].(type) {
		case time.Time:
			return v, true
		case string:
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}
