package rules

import (
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ec2guard/ec2guard/resource"
)

// --- ingress-except ---
//
// {ingress-except: {tcp: [80, 443], udp: []}} holds of a security group with an ingress
// permission from 0.0.0.0/0 or ::/0 that lets in more than the given ports: a permission of
// every protocol (-1), a tcp one whose port range is not wholly inside tcp's list, a udp
// one not wholly inside udp's (a protocol left out authorizes no port). Other protocols
// (icmp) are not judged. This is Security Hub EC2.18, as AWS's remediation reads it
// (RevokeUnauthorizedInboundRules).

type exceptSpec struct {
	tcp, udp []portRange
}

func compileIngressExcept(l *loader, v *yaml.Node) (func(resource.Kind) (pred, resource.Needs), string, bool) {
	if v.Kind != yaml.MappingNode {
		l.errorf(v, "ingress-except takes a mapping of the authorized ports per protocol: {tcp: [80, 443], udp: []}")
		return nil, "", false
	}
	var spec exceptSpec
	ok := true
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], resolve(v.Content[i+1])
		var into *[]portRange
		switch k.Value {
		case "tcp":
			into = &spec.tcp
		case "udp":
			into = &spec.udp
		default:
			l.errorf(k, "unknown ingress-except key %q (known: tcp, udp)", k.Value)
			ok = false
			continue
		}
		if val.Kind == yaml.SequenceNode && len(val.Content) == 0 {
			continue // no port of the protocol is authorized
		}
		ports, good := l.ports(val)
		*into, ok = ports, ok && good
	}
	if !ok {
		return nil, "", false
	}
	p := &exceptPred{spec: spec}
	param := fmt.Sprintf("tcp %s, udp %s", rangesText(spec.tcp), rangesText(spec.udp))
	return func(resource.Kind) (pred, resource.Needs) { return p, 0 }, param, true
}

func rangesText(rs []portRange) string {
	if len(rs) == 0 {
		return "none"
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

func (r portRange) String() string {
	if r.lo == r.hi {
		return fmt.Sprint(r.lo)
	}
	return fmt.Sprintf("%d-%d", r.lo, r.hi)
}

type exceptPred struct{ spec exceptSpec }

func (p *exceptPred) match(r *resource.Resource, _ time.Time) bool { return p.first(r.Attrs) != "" }

func (p *exceptPred) detail(r *resource.Resource) string { return p.first(r.Attrs) }

// first describes the first permission that lets in more than the authorized ports, "" when
// none does.
func (p *exceptPred) first(sg map[string]any) string {
	desc := ""
	p.each(sg, func(_ map[string]any, proto string, open portRange, cidr string) bool {
		if proto == "all" {
			desc = "every protocol and port from " + cidr
		} else {
			desc = fmt.Sprintf("%s %s from %s", proto, open, cidr)
		}
		return false
	})
	return desc
}

// each calls yield with every source from 0.0.0.0/0 or ::/0 of a permission that lets in
// more than the authorized ports — the permission, its protocol (normalized), its port range
// and the source — until yield returns false.
func (p *exceptPred) each(sg map[string]any, yield func(perm map[string]any, proto string, open portRange, cidr string) bool) {
	perms, _ := sg["IpPermissions"].([]any)
	for _, e := range perms {
		m, _ := e.(map[string]any)
		proto, _ := m["IpProtocol"].(string)
		proto = protoName(proto)
		var authorized []portRange
		switch proto {
		case "all":
		case "tcp":
			authorized = p.spec.tcp
		case "udp":
			authorized = p.spec.udp
		default:
			continue
		}
		open := allPorts
		if proto != "all" {
			open = permPorts(m, "FromPort", "ToPort")
			rest := []portRange{open}
			for _, a := range authorized {
				rest = subtract(rest, a)
			}
			if len(rest) == 0 {
				continue
			}
		}
		for _, src := range []struct{ list, field string }{{"IpRanges", "CidrIp"}, {"Ipv6Ranges", "CidrIpv6"}} {
			ranges, _ := m[src.list].([]any)
			for _, x := range ranges {
				rm, _ := x.(map[string]any)
				if cidr, _ := rm[src.field].(string); isInternet(cidr) && !yield(m, proto, open, cidr) {
					return
				}
			}
		}
	}
}
