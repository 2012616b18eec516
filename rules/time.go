package rules

import (
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/ec2guard/ec2guard/exception"
	"github.com/ec2guard/ec2guard/resource"
)

// TimeFilters reports whether a filter of the rule changes its verdict as time passes
// (stopped-for, older-than): its resources come to fail with no event, all of them alike.
func (r *Rule) TimeFilters() bool {
	return slices.ContainsFunc(r.Filters, func(f Filter) bool {
		return f.Kind == FilterStoppedFor || f.Kind == FilterAttr && f.Op == OpOlderThan
	})
}

// Expiring reports whether an exception of the rule can expire: one with an until, or one by
// tag, whose value may say until=.
func (r *Rule) Expiring() bool {
	return slices.ContainsFunc(r.Exceptions, func(e exception.Exception) bool { return e.Tag != "" || !e.Until.IsZero() })
}

// ExpiringException is TimeDriven's word for a rule that time makes act only through its
// exceptions: a timer applies it to the resources whose exception has expired alone.
const ExpiringException = "expiring exception"

// TimeDriven says why the rule can come to act with the passing of time alone, with no event
// to tell it ("" when it cannot): a grace whose due action waits for a later run, a schedule's
// transitions, a min-age's re-check, an exception that can expire (one with an until, or by
// tag, whose value may say until=), or a filter whose verdict changes as time passes
// (stopped-for, older-than). Only a scan takes such a rule's actions when their time comes,
// so a deployment of it needs a scheduled scan.
func (r *Rule) TimeDriven() string {
	switch {
	case !r.Grace.Zero():
		return "grace"
	case r.Schedule != nil:
		return "schedule"
	case r.MinAge > 0:
		return "min-age"
	}
	for _, f := range r.Filters {
		switch {
		case f.Kind == FilterStoppedFor:
			return "stopped-for"
		case f.Kind == FilterAttr && f.Op == OpOlderThan:
			return "older-than"
		}
	}
	if r.Expiring() {
		return ExpiringException
	}
	return ""
}

// checkTimingTags refuses, at n, a grace or a re-check on the account's settings: both are
// recorded as a tag on what the rule judges (PendingTag, RecheckTag), and an account's
// settings carry none.
func (l *loader) checkTimingTags(r *Rule, n *yaml.Node) {
	if slices.Contains(r.Resources, resource.Account) && (!r.Grace.Zero() || r.Rechecks()) {
		l.errorf(n, "rule %q judges the account's settings, which carry no tags: a grace or a min-age, recorded as a tag on what it judges, cannot be (judge them without, or drop account from resources)", r.Name)
	}
}
