package rules

import (
	"slices"

	"github.com/ec2guard/ec2guard/pattern"
	"github.com/ec2guard/ec2guard/resource"
)

// DefaultKinds are the kinds a rule that names none judges: what the events its pattern
// selects concern — of the reach check's probes (one event of each kind the engine acts on:
// a state change, each call of event.Calls, each ASFF type of a Security Hub finding, a
// GuardDuty finding) those the pattern's fixed fields select, the kinds they concern. So a
// pattern on detail.eventName [AuthorizeSecurityGroupIngress] judges security groups, one on
// {prefix: Create} every kind a Create call makes, and one that fixes nothing every kind.
// Instance when it selects none of them (the reach check reports such a rule).
func DefaultKinds(p *pattern.Pattern) []resource.Kind {
	weak, constrained := weaken([]byte(p.String()))
	var got []resource.Kind
	for _, pr := range probes() {
		if constrained {
			if ok, err := weak.Matches(pr.raw); err != nil || !ok {
				continue
			}
		}
		got = append(got, pr.kinds...)
	}
	var out []resource.Kind
	for _, k := range resource.Kinds() {
		if slices.Contains(got, k) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return []resource.Kind{resource.Instance}
	}
	return out
}
