package rules

import (
	"time"

	"github.com/ec2guard/ec2guard/resource"
)

// What a filter matched. The remediations that change a security group (revoke-ingress,
// restrict-ingress) act on what their rule's filters matched and on nothing else: a group
// with 22 and 443 open to the world, judged by a filter on port 22, loses only its 22 rule,
// and a permission from 0.0.0.0/0 and 10.0.0.0/8 loses only the open range. So the filters
// that judge a group's rules say which rules made them hold: ingress (of a group, or of an
// instance's groups), ingress-except, and attr filters on IpPermissions[] or
// IpPermissionsEgress[] (the elements that hold; narrowed to the peers that hold when the
// path steps into a permission's ranges, prefix lists or group pairs).

// ruleTeller is a pred that says which rules of a security group made it hold.
type ruleTeller interface {
	matchedRules(r *resource.Resource, now time.Time) ([]resource.GroupRule, bool)
}

// MatchedRules returns the security-group rules of r that make the filter hold (none when it
// does not), and whether the filter tells at all: a tag, state or IsDefault filter does not.
func (f Filter) MatchedRules(r *resource.Resource, now time.Time) ([]resource.GroupRule, bool) {
	if f.judge == nil {
		return nil, false
	}
	for i, k := range f.judge.kinds {
		if k != r.Kind {
			continue
		}
		t, ok := f.judge.preds[i].(ruleTeller)
		if !ok {
			return nil, false
		}
		if !r.Read.Has(f.judge.needs[i]) {
			return nil, true
		}
		return t.matchedRules(r, now)
	}
	return nil, false
}

// MatchedRules returns the security-group rules of res that every filter of the rule which
// tells (Filter.MatchedRules) matched, each once, and whether any filter tells.
func (r *Rule) MatchedRules(res *resource.Resource, now time.Time) ([]resource.GroupRule, bool) {
	var out []resource.GroupRule
	told := false
	for _, f := range r.Filters {
		got, ok := f.MatchedRules(res, now)
		if !ok {
			continue
		}
		if !told {
			out, told = got, true
			continue
		}
		in := make(map[string]bool, len(got))
		for _, g := range got {
			in[g.Key()] = true
		}
		kept := out[:0:0]
		for _, o := range out {
			if in[o.Key()] {
				kept = append(kept, o)
			}
		}
		out = kept
	}
	seen := make(map[string]bool, len(out))
	uniq := out[:0:0]
	for _, o := range out {
		if !seen[o.Key()] {
			seen[o.Key()] = true
			uniq = append(uniq, o)
		}
	}
	return uniq, told
}

// --- ingress ---

// ingressPred is an ingress filter compiled for a security group or an instance (whose
// groups, in its Exposure, it judges).
type ingressPred struct {
	spec     *trafficSpec
	instance bool
}

func (p *ingressPred) match(r *resource.Resource, _ time.Time) bool {
	if !p.instance {
		return ingressOpen(r.Attrs, p.spec, p.spec.family)
	}
	for _, sg := range instanceGroups(r.Attrs) {
		if ingressOpen(sg, p.spec, p.spec.family) {
			return true
		}
	}
	return false
}

func (p *ingressPred) matchedRules(r *resource.Resource, _ time.Time) ([]resource.GroupRule, bool) {
	if !p.instance {
		return ingressRules(r.Attrs, p.spec, p.spec.family), true
	}
	var out []resource.GroupRule
	for _, sg := range instanceGroups(r.Attrs) {
		out = append(out, ingressRules(sg, p.spec, p.spec.family)...)
	}
	return out, true
}

// ingressRules are the ingress rules of a group that ingressOpen finds open: protocol and
// ports that meet spec's, a range source that spec's from selects, of family (0: both).
func ingressRules(sg map[string]any, spec *trafficSpec, family int) []resource.GroupRule {
	id, _ := sg["GroupId"].(string)
	perms, _ := sg["IpPermissions"].([]any)
	var out []resource.GroupRule
	for _, p := range perms {
		m, _ := p.(map[string]any)
		proto, _ := m["IpProtocol"].(string)
		proto = protoName(proto)
		ports := allPorts
		if hasPorts(proto) {
			ports = permPorts(m, "FromPort", "ToPort")
		}
		if !spec.admits(proto, ports) {
			continue
		}
		for _, gr := range resource.PermissionRules(id, false, m) {
			if gr.CIDR == "" || family == 4 && gr.IPv6() || family == 6 && !gr.IPv6() {
				continue
			}
			if spec.source(gr.CIDR) {
				out = append(out, gr)
			}
		}
	}
	return out
}

// --- ingress-except ---

func (p *exceptPred) matchedRules(r *resource.Resource, _ time.Time) ([]resource.GroupRule, bool) {
	id, _ := r.Attrs["GroupId"].(string)
	var out []resource.GroupRule
	p.each(r.Attrs, func(perm map[string]any, _ string, _ portRange, cidr string) bool {
		for _, gr := range resource.PermissionRules(id, false, perm) {
			if gr.CIDR == cidr {
				out = append(out, gr)
			}
		}
		return true
	})
	return out, true
}

// --- attr on a group's permissions ---

// peerLists are the lists of a permission that hold its peers, one rule each.
var peerLists = map[string]bool{"IpRanges": true, "Ipv6Ranges": true, "PrefixListIds": true, "UserIdGroupPairs": true}

func (p *attrPred) matchedRules(r *resource.Resource, now time.Time) ([]resource.GroupRule, bool) {
	if r.Kind != resource.SecurityGroup || len(p.steps) < 2 || !p.steps[1].each {
		return nil, false
	}
	egress := false
	switch p.steps[0].name {
	case "IpPermissions":
	case "IpPermissionsEgress":
		egress = true
	default:
		return nil, false
	}
	id, _ := r.Attrs["GroupId"].(string)
	perms, _ := r.Attrs[p.steps[0].name].([]any)
	// A path into one of a permission's peer lists (IpPermissions[].IpRanges[].CidrIp) judges
	// peers: only those that hold are matched (with match: any; all judges whole permissions).
	narrow := !p.all && len(p.steps) >= 4 && p.steps[3].each && peerLists[p.steps[2].name]
	var out []resource.GroupRule
	for _, e := range perms {
		m, _ := e.(map[string]any)
		if m == nil {
			continue
		}
		if !narrow {
			if p.walk(m, 2, now) {
				out = append(out, resource.PermissionRules(id, egress, m)...)
			}
			continue
		}
		list := p.steps[2].name
		peers, _ := m[list].([]any)
		for _, peer := range peers {
			if !p.walk(peer, 4, now) {
				continue
			}
			one := map[string]any{list: []any{peer}}
			for _, k := range []string{"IpProtocol", "FromPort", "ToPort"} {
				if v, ok := m[k]; ok {
					one[k] = v
				}
			}
			out = append(out, resource.PermissionRules(id, egress, one)...)
		}
	}
	return out, true
}
