package engine

import (
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

// spare says whether rule r leaves res alone: an honoured exception, a resource younger than
// the rule's min-age (judged again by a later scan, once older: not dropped), or a schedule
// that says to leave the instance as it is. An expired exception, or an exception tag that
// cannot be read, is logged and spares nothing. only says which of the rule's actions run:
// of start and stop, the one the schedule decided; every other action.
func (e *Engine) spare(ev *event.Event, r *rules.Rule, res *Resource, base Decision) (_ Decision, only func(action string) bool, spared bool) {
	d, spared := e.except(ev, r, res, base)
	if spared || r.Schedule == nil {
		return d, all, spared
	}
	return e.scheduled(r, res, base)
}

func all(string) bool { return true }

// scheduled applies the rule's schedule to an instance.
func (e *Engine) scheduled(r *rules.Rule, res *Resource, base Decision) (Decision, func(string) bool, bool) {
	skip := func(reason string) (Decision, func(string) bool, bool) {
		base.Outcome, base.Reason = Skipped, reason
		return base, all, true
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
	dec := s.Decide(e.cfg.Now(), res.State, since)
	if dec.Action == schedule.Leave {
		return skip("schedule " + s.String() + ": " + dec.Reason)
	}
	other := "start"
	if dec.Action == schedule.Start {
		other = "stop"
	}
	base.Reason = dec.Reason
	return base, func(action string) bool { return action != other }, false
}

// except applies min-age and exceptions.
func (e *Engine) except(ev *event.Event, r *rules.Rule, res *Resource, base Decision) (Decision, bool) {
	now := e.cfg.Now()
	if r.MinAge > 0 {
		if born, ok := created(res); ok && now.Sub(born) < r.MinAge {
			base.Outcome = Skipped
			base.Reason = fmt.Sprintf("younger than the rule's min-age %s (created %s): judged again once older",
				r.MinAge, born.UTC().Format(time.RFC3339))
			return base, true
		}
	}
	if len(r.Exceptions) == 0 {
		return base, false
	}
	s := exception.Subject{ID: res.ID, Account: res.Place.Account, Tags: res.Tags}
	if ev != nil && ev.DetailType == event.DetailTypeAPICall {
		if ct, err := ev.CloudTrailDetail(); err == nil {
			id := ct.Identity()
			s.Principals = append(s.Principals, id.PrincipalID, id.ARN)
		}
	}
	s.Principals = append(s.Principals, res.Tags["PrincipalId"])
	switch v := exception.Evaluate(r.Exceptions, s, now); v.Status {
	case exception.Honoured:
		base.Outcome, base.Reason = Skipped, v.String()
		return base, true
	case exception.Expired, exception.Invalid:
		e.cfg.Logger.Warn("exception not honoured", "rule", r.Name, "resource", res.ID, "status", v.Status.String(), "reason", v.String())
	}
	return base, false
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
