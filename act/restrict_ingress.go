package act

import (
	"context"
	"fmt"
	"strings"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/resource"
)

// restrictAPI is what restrict-ingress calls.
type restrictAPI interface {
	reader
	AuthorizeIngress(ctx context.Context, at resource.Place, rules []resource.GroupRule) error
	RevokeRules(ctx context.Context, at resource.Place, rules []resource.GroupRule) error
}

// restrictIngress replaces the open range of each ingress rule of a security group that its
// rule's filters matched, as the group is read now, by the given ranges with the rule's
// protocol and ports (and description): the new rules are authorized first, so the service
// is never cut off from the ranges that need it, then the open rule is revoked. A
// replacement the group has already is not authorized again; the group's other rules stay.
// The group is as read after any earlier rule's change of it (matchedRules reads it again):
// an open rule EC2.13's revoke-ingress revoked is not replaced by EC2.18's.
type restrictIngress struct {
	groupAction
	api   restrictAPI
	cidrs []string
}

func (a *restrictIngress) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	matched, r, res := matchedRules(a.name, "restrict", inv)
	if res != nil {
		return *res
	}
	var open []resource.GroupRule
	for _, m := range matched {
		if !m.Egress && m.CIDR != "" {
			open = append(open, m)
		}
	}
	if len(open) == 0 {
		return skipped("restrict-ingress replaces ingress ranges, and the rule's filters match none of %s now (%s)", r.ID, words(matched))
	}
	have := map[string]bool{}
	for _, g := range resource.GroupRules(r.Attrs) {
		have[g.Key()] = true
	}
	var add []resource.GroupRule
	adding := map[string]bool{}
	there := map[string]bool{} // replacements the group has already
	for _, o := range open {
		for _, c := range a.cidrs {
			n := o
			n.CIDR = c
			switch k := n.Key(); {
			case have[k]:
				there[k] = true
			case !adding[k]: // 0.0.0.0/0 and ::/0 of one port share their replacements
				adding[k] = true
				add = append(add, n)
			}
		}
	}
	what := fmt.Sprintf("%s → from %s", words(open), strings.Join(a.cidrs, ", "))
	if len(there) > 0 {
		what += fmt.Sprintf(" (%d of the new rules there already)", len(there))
	}
	if inv.DryRun {
		return dryRun("restrict %s", what)
	}
	if err := inv.MayMutate(ctx); err != nil {
		return engine.HeldBackResult(err)
	}
	if len(add) > 0 {
		if err := a.api.AuthorizeIngress(ctx, r.Place, add); err != nil {
			return failed("authorizing the replacements of "+what+" (nothing revoked)", err)
		}
	}
	if err := a.api.RevokeRules(ctx, r.Place, open); err != nil {
		authorized := "nothing new"
		if len(add) > 0 {
			authorized = words(add)
		}
		return failed(fmt.Sprintf("revoking the open rules of %s after authorizing %s", what, authorized), err)
	}
	return applied("restricted %s", what)
}
