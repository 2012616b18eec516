package engine

import (
	"fmt"
	"time"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/exception"
	"github.com/ec2guard/ec2guard/rules"
)

// This file applies what a rule says of its timing (rules.Timing) on the resource as read:
// min-age and exceptions, after the filters and before any action.

// spare says whether rule r leaves res alone: an honoured exception, or a resource younger
// than the rule's min-age (judged again by a later scan, once older: not dropped). An expired
// exception, or an exception tag that cannot be read, is logged and spares nothing.
func (e *Engine) spare(ev *event.Event, r *rules.Rule, res *Resource, base Decision) (Decision, bool) {
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
