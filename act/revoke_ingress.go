package act

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/resource"
)

// revokeAPI is what revoke-ingress calls.
type revokeAPI interface {
	reader
	RevokeRules(ctx context.Context, at resource.Place, rules []resource.GroupRule) error
}

// revokeIngress revokes the rules of a security group that its rule's filters matched, as
// the group is read now (engine.Invocation.Matched), and nothing else of the group: one peer
// of a permission, so 0.0.0.0/0 goes and 10.0.0.0/8 of the same permission stays.
type revokeIngress struct {
	groupAction
	api revokeAPI
}

// groupAction is an action that changes the rules of the security group it judges, as the
// engine read it for the filters.
type groupAction struct{ base }

func (groupAction) Mutating() bool        { return true }
func (groupAction) Needs() resource.Needs { return resource.NeedDescribe }

func (a *revokeIngress) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	mine, r, res := matchedRules(a.name, "revoke", inv)
	if res != nil {
		return *res
	}
	what := words(mine)
	if inv.DryRun {
		return dryRun("revoke %s", what)
	}
	if err := inv.MayMutate(ctx); err != nil {
		return engine.HeldBackResult(err)
	}
	if err := a.api.RevokeRules(ctx, r.Place, mine); err != nil {
		return failed("revoking "+what, err)
	}
	return applied("revoked %s", what)
}

// matchedRules are the rules of the invocation's security group that its rule's filters
// matched, and the group they were matched on: the engine's read, or a new one when an
// earlier action of the handling changed the group (rereading: EC2.13's revoke-ingress
// before EC2.18's restrict-ingress); else the result to return (an action that acts on
// groups, doing what it says to them).
func matchedRules(action, doing string, inv engine.Invocation) ([]resource.GroupRule, *engine.Resource, *engine.Result) {
	r := inv.Resource
	var res engine.Result
	switch {
	case r.Kind != resource.SecurityGroup:
		res = skipped("%s acts on security groups, not a %s", action, r.Kind)
	case !r.Exists:
		res = skipped("security group %s no longer exists", r.ID)
	case inv.Matched == nil:
		res = failed("finding the rules to "+doing+" of "+r.ID, errors.New("the rule's filters were not given: nothing changed"))
	}
	if res.Outcome != "" {
		return nil, r, &res
	}
	matched, told := inv.Matched(r)
	if !told {
		res = failed("finding the rules to "+doing+" of "+r.ID,
			errors.New("no filter of the rule says which of the group's rules it matched (ingress, ingress-except or attr on IpPermissions[]): nothing changed"))
		return nil, r, &res
	}
	var mine []resource.GroupRule
	for _, m := range matched {
		if m.Group == r.ID {
			mine = append(mine, m)
		}
	}
	if len(mine) == 0 {
		res = skipped("no rule of %s matches the rule's filters now", r.ID)
		return nil, r, &res
	}
	return mine, r, nil
}

// words names the rules revoked: "1 rule of sg-1: ingress tcp 22 from 0.0.0.0/0".
func words(rules []resource.GroupRule) string {
	parts := make([]string, len(rules))
	for i, g := range rules {
		parts[i] = strings.TrimPrefix(g.String(), g.Group+" ")
	}
	n := "1 rule"
	if len(rules) > 1 {
		n = fmt.Sprintf("%d rules", len(rules))
	}
	return fmt.Sprintf("%s of %s: %s", n, rules[0].Group, strings.Join(parts, ", "))
}
