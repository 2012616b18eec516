package resource

import (
	"fmt"
	"strings"
)

// GroupRule is one rule of a security group as AWS counts them: one direction, protocol, port
// range and one peer — an IPv4 or IPv6 range, a prefix list or a group. A permission of a
// group's IpPermissions (IpPermissionsEgress) with three ranges is three rules; revoking one
// rule leaves the other two. It is what a filter says it matched of a group (rules) and what
// the remediation actions revoke and authorize (awsapi), in neither's terms but AWS's.
type GroupRule struct {
	Group    string // the group's id
	Egress   bool
	Protocol string // as AWS writes it: tcp, udp, icmp, icmpv6, -1 (every protocol) or a number
	// FromPort and ToPort as AWS gives them (tcp and udp: the ports; icmp: type and code);
	// HasPorts is false when the permission has none (-1).
	FromPort, ToPort int
	HasPorts         bool
	// The one peer: CIDR (IPv4 when it holds no colon), PrefixList, or PeerGroup (with
	// PeerUser, the account of a group of another account, when AWS gave it).
	CIDR, PrefixList, PeerGroup, PeerUser string
	Description                           string
}

// IPv6 reports a rule whose peer is an IPv6 range.
func (r GroupRule) IPv6() bool { return strings.Contains(r.CIDR, ":") }

// Peer is the rule's peer as written: a range, a prefix list or a group id.
func (r GroupRule) Peer() string {
	switch {
	case r.CIDR != "":
		return r.CIDR
	case r.PrefixList != "":
		return r.PrefixList
	case r.PeerUser != "":
		return r.PeerUser + "/" + r.PeerGroup
	}
	return r.PeerGroup
}

// Key identifies the rule within its group: direction, protocol, ports and peer (not the
// description, which AWS does not use to tell rules apart).
func (r GroupRule) Key() string {
	return fmt.Sprintf("%s|%t|%s|%t|%d|%d|%s|%s|%s|%s", r.Group, r.Egress, r.Protocol, r.HasPorts, r.FromPort, r.ToPort, r.CIDR, r.PrefixList, r.PeerGroup, r.PeerUser)
}

// String words the rule for a decision's reason: "sg-1 ingress tcp 22 from 0.0.0.0/0".
func (r GroupRule) String() string {
	dir, peer := "ingress", "from"
	if r.Egress {
		dir, peer = "egress", "to"
	}
	proto := r.Protocol
	if proto == "-1" {
		proto = "all traffic"
	}
	ports := ""
	if r.HasPorts && (r.Protocol == "tcp" || r.Protocol == "udp" || r.Protocol == "6" || r.Protocol == "17") {
		ports = fmt.Sprintf(" %d", r.FromPort)
		if r.ToPort != r.FromPort {
			ports = fmt.Sprintf(" %d-%d", r.FromPort, r.ToPort)
		}
	} else if r.HasPorts && r.Protocol != "-1" {
		ports = fmt.Sprintf(" type %d code %d", r.FromPort, r.ToPort)
	}
	return fmt.Sprintf("%s %s %s%s %s %s", r.Group, dir, proto, ports, peer, r.Peer())
}

// GroupRules flattens a security group's Attrs (the DescribeSecurityGroups shape) into its
// rules, ingress then egress, in AWS's order.
func GroupRules(attrs map[string]any) []GroupRule {
	id, _ := attrs["GroupId"].(string)
	out := PermissionRules(id, false, attrs["IpPermissions"])
	return append(out, PermissionRules(id, true, attrs["IpPermissionsEgress"])...)
}

// PermissionRules flattens one list of permissions (or one permission, a map) of group id.
func PermissionRules(group string, egress bool, perms any) []GroupRule {
	list, ok := perms.([]any)
	if !ok {
		if m, isMap := perms.(map[string]any); isMap {
			list = []any{m}
		}
	}
	var out []GroupRule
	for _, p := range list {
		m, _ := p.(map[string]any)
		if m == nil {
			continue
		}
		base := GroupRule{Group: group, Egress: egress}
		base.Protocol, _ = m["IpProtocol"].(string)
		from, okFrom := intOf(m["FromPort"])
		to, okTo := intOf(m["ToPort"])
		if okFrom && okTo && base.Protocol != "-1" {
			base.FromPort, base.ToPort, base.HasPorts = from, to, true
		}
		each := func(field string, set func(r *GroupRule, e map[string]any)) {
			elems, _ := m[field].([]any)
			for _, e := range elems {
				em, _ := e.(map[string]any)
				if em == nil {
					continue
				}
				r := base
				r.Description, _ = em["Description"].(string)
				set(&r, em)
				out = append(out, r)
			}
		}
		each("IpRanges", func(r *GroupRule, e map[string]any) { r.CIDR, _ = e["CidrIp"].(string) })
		each("Ipv6Ranges", func(r *GroupRule, e map[string]any) { r.CIDR, _ = e["CidrIpv6"].(string) })
		each("PrefixListIds", func(r *GroupRule, e map[string]any) { r.PrefixList, _ = e["PrefixListId"].(string) })
		each("UserIdGroupPairs", func(r *GroupRule, e map[string]any) {
			r.PeerGroup, _ = e["GroupId"].(string)
			r.PeerUser, _ = e["UserId"].(string)
		})
	}
	return out
}

// intOf reads a number of an Attrs tree (float64, as JSON has it, or an int).
func intOf(v any) (int, bool) {
	switch n := v.(type) {
	case float64:
		return int(n), true
	case int:
		return n, true
	case int32:
		return int(n), true
	case int64:
		return int(n), true
	}
	return 0, false
}
