package act

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/resource"
)

// quarantineAPI is what quarantine calls.
type quarantineAPI interface {
	snapshotAPI
	FindGroup(ctx context.Context, at resource.Place, vpc, name string) (*awsapi.Group, error)
	CreateGroup(ctx context.Context, at resource.Place, vpc, name, description string, tags map[string]string) (*awsapi.Group, error)
	RevokeRules(ctx context.Context, at resource.Place, rules []resource.GroupRule) error
	SetInterfaceGroups(ctx context.Context, at resource.Place, eni string, groups []string) error
	CreateTags(ctx context.Context, at resource.Place, ids []string, tags map[string]string) error
}

// quarantine isolates an instance: each of its network interfaces, as read now, gets its
// VPC's isolation group (actions.QuarantineGroupName) in place of all its groups. The group
// has no rule in or out: one found by its name is used when it has none, or when it is
// ec2guard's (actions.QuarantineGroupTag) and its rules are revoked; a missing one is made,
// and the allow-all egress rule AWS gives a new group revoked, before any interface gets it.
// With snapshot, the instance's EBS volumes are snapshotted first, and nothing else is done
// unless every snapshot started. Last the instance is tagged with why and when.
type quarantine struct {
	base
	api      quarantineAPI
	snapshot bool
	now      func() time.Time
}

func (a *quarantine) Mutating() bool        { return true }
func (a *quarantine) Needs() resource.Needs { return resource.NeedDescribe }

// nic is one network interface of the instance and its groups, as read.
type nic struct {
	id, vpc string
	groups  []string
}

// isolation is the plan for one VPC's isolation group: the group found (nil: to be made) and
// the rules of it to revoke.
type isolation struct {
	vpc    string
	group  *awsapi.Group
	revoke []resource.GroupRule
}

func (a *quarantine) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	r := inv.Resource
	if r.Kind != resource.Instance {
		return skipped("quarantine acts on instances, not a %s", r.Kind)
	}
	if !r.Exists || r.State == resource.Terminated || r.State == resource.ShuttingDown {
		return skipped("instance %s no longer exists (or is going)", r.ID)
	}
	nics, err := interfaces(r)
	if err != nil {
		return failed("reading the network interfaces of "+r.ID, err)
	}
	// The isolation group of each VPC, as it is now.
	var plans []*isolation
	byVPC := map[string]*isolation{}
	for _, n := range nics {
		if byVPC[n.vpc] != nil {
			continue
		}
		g, err := a.api.FindGroup(ctx, r.Place, n.vpc, actions.QuarantineGroupName)
		if err != nil {
			return failed("looking for the isolation group of "+n.vpc, err)
		}
		p := &isolation{vpc: n.vpc, group: g}
		if g != nil && len(g.Rules) > 0 {
			if g.Tags[actions.QuarantineGroupTag] != "isolation" {
				return failed("isolating "+r.ID, fmt.Errorf("%s (%s in %s) has %s and is not ec2guard's (no %s tag): nothing changed",
					g.ID, actions.QuarantineGroupName, n.vpc, strings.SplitN(words(g.Rules), " of ", 2)[0], actions.QuarantineGroupTag))
			}
			p.revoke = g.Rules
		}
		byVPC[n.vpc] = p
		plans = append(plans, p)
	}
	var moves []nic // the interfaces not in their isolation group alone
	for _, n := range nics {
		if g := byVPC[n.vpc].group; g == nil || !slices.Equal(n.groups, []string{g.ID}) {
			moves = append(moves, n)
		}
	}
	p, res := planSnapshots(ctx, a.api, inv, a.snapshot && len(moves) > 0, awsapi.SnapshotSource{Instance: r.ID, Volumes: instanceVolumes(r),
		Tags: map[string]string{actions.QuarantineReasonTag: a.why(inv)}})
	if res != nil {
		return *res
	}
	if len(moves) == 0 && !slices.ContainsFunc(plans, func(p *isolation) bool { return len(p.revoke) > 0 }) {
		return skipped("%s is quarantined already: %s", r.ID, movesWords(nics, byVPC, false))
	}
	what := "isolate " + r.ID + ": " + movesWords(moves, byVPC, true)
	for _, pl := range plans {
		switch {
		case pl.group == nil:
			what += fmt.Sprintf("; make %s in %s, with no rule in or out", actions.QuarantineGroupName, pl.vpc)
		case len(pl.revoke) > 0:
			what += "; revoke " + words(pl.revoke) + " first"
		}
	}
	if len(p.todo.Volumes) > 0 {
		what = "snapshot " + p.words() + ", then " + what
	} else if a.snapshot && len(p.kept) == 0 {
		what += "; no EBS volume to snapshot"
	}
	if inv.DryRun {
		return dryRun("%s", what)
	}
	done, res := p.begin(ctx, a.api, inv, "isolating it", "isolated")
	if res != nil {
		return *res
	}
	for _, pl := range plans {
		if pl.group == nil {
			g, err := a.api.CreateGroup(ctx, r.Place, pl.vpc, actions.QuarantineGroupName,
				"ec2guard quarantine: no traffic in or out", map[string]string{actions.QuarantineGroupTag: "isolation"})
			if err != nil {
				return failed("making the isolation group of "+pl.vpc+" to isolate "+r.ID+done, err)
			}
			pl.group, pl.revoke = g, g.Rules
			done += fmt.Sprintf("; made %s (%s) in %s", g.ID, actions.QuarantineGroupName, pl.vpc)
		}
		if len(pl.revoke) > 0 {
			if err := a.api.RevokeRules(ctx, r.Place, pl.revoke); err != nil {
				return failed("revoking the rules of the isolation group "+pl.group.ID+" to isolate "+r.ID+done, err)
			}
			done += "; revoked " + words(pl.revoke)
		}
	}
	for i, n := range moves {
		if err := a.api.SetInterfaceGroups(ctx, r.Place, n.id, []string{byVPC[n.vpc].group.ID}); err != nil {
			return failed(fmt.Sprintf("isolating %s (%d of %d interfaces done: %s)%s", r.ID, i, len(moves), movesWords(moves[:i], byVPC, true), done), err)
		}
	}
	when := a.now().UTC().Format(time.RFC3339)
	if err := a.api.CreateTags(ctx, r.Place, []string{r.ID}, map[string]string{actions.QuarantinedTag: when, actions.QuarantineReasonTag: a.why(inv)}); err != nil {
		return failed("tagging "+r.ID+" as quarantined after isolating it: "+movesWords(moves, byVPC, true)+done, err)
	}
	return applied("isolated %s: %s%s; tagged %s=%s", r.ID, movesWords(moves, byVPC, true), done, actions.QuarantinedTag, when)
}

// why is the reason tagged on the instance (and its snapshots): the rule, and the event
// that told of it when there was one.
func (a *quarantine) why(inv engine.Invocation) string {
	s := "rule " + inv.Rule
	if ev := inv.Event; ev != nil && ev.CallName() != "" {
		s += " on " + ev.CallName() // EventName is set by a CloudTrail log source only
	}
	if len(s) > 256 {
		s = s[:256]
	}
	return s
}

// interfaces are the instance's network interfaces as read (DescribeInstances'
// NetworkInterfaces), each with its VPC and groups.
func interfaces(r *engine.Resource) ([]nic, error) {
	l, ok := r.Attrs["NetworkInterfaces"].([]any)
	if !ok || len(l) == 0 {
		return nil, errNoRead("NetworkInterfaces")
	}
	out := make([]nic, 0, len(l))
	for _, e := range l {
		m, _ := e.(map[string]any)
		n := nic{}
		n.id, _ = m["NetworkInterfaceId"].(string)
		n.vpc, _ = m["VpcId"].(string)
		if n.id == "" || n.vpc == "" {
			return nil, errors.New("a network interface of the read has no id or VPC: nothing changed")
		}
		gs, _ := m["Groups"].([]any)
		for _, g := range gs {
			if id, _ := g.(map[string]any)["GroupId"].(string); id != "" {
				n.groups = append(n.groups, id)
			}
		}
		slices.Sort(n.groups)
		out = append(out, n)
	}
	return out, nil
}

// movesWords names what the interfaces' groups are and become: "eni-1 sg-a, sg-b → the
// isolation group sg-q" (to: with the group they get).
func movesWords(nics []nic, byVPC map[string]*isolation, to bool) string {
	parts := make([]string, len(nics))
	for i, n := range nics {
		from := strings.Join(n.groups, ", ")
		if from == "" {
			from = "no group"
		}
		parts[i] = n.id + " " + from
		if to {
			target := actions.QuarantineGroupName + " of " + n.vpc
			if g := byVPC[n.vpc].group; g != nil {
				target = g.ID
			}
			parts[i] += " → " + target
		}
	}
	return strings.Join(parts, "; ")
}
