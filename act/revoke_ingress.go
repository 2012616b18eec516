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
	RevokeRules(ctx context.Context, at resource.Place, rules []resource.GroupRule) error
}

// revokeIngress revokes the rules of a security group that its rule's filters matched, as
// the group is read now (engine.Invocation.Matched), and nothing else of the group: one peer
// of a permission, so 0.0.0.0/0 goes and 10.0.0.0/8 of the same permission stays.
type revokeIngress struct {
	base
	api revokeAPI
}

func (a *revokeIngress) Mutating() bool        { return true }
func (a *revokeIngress) Needs() resource.Needs { return resource.NeedDescribe }

func (a *revokeIngress) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	r := inv.Resource
	if r.Kind != resource.SecurityGroup {
		return skipped("revoke-ingress acts on security groups, not a %s", r.Kind)
	}
	if !r.Exists {
		return skipped("security group %s no longer exists", r.ID)
	}
	if inv.Matched == nil {
		return failed("finding the rules to revoke of "+r.ID, errors.New("the rule's filters were not given: nothing changed"))
	}
	matched, told := inv.Matched(r)
	if !told {
		return failed("finding the rules to revoke of "+r.ID,
			errors.New("no filter of the rule says which of the group's rules it matched (ingress, ingress-except or attr on IpPermissions[]): nothing changed"))
	}
	var mine []resource.GroupRule
	for _, m := range matched {
		if m.Group == r.ID {
			mine = append(mine, m)
		}
	}
	if len(mine) == 0 {
		return skipped("no rule of %s matches the rule's filters now", r.ID)
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
