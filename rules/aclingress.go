package rules

import (
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ec2guard/ec2guard/resource"
)

// --- acl-ingress ---
//
// {acl-ingress: {ports: [22, 3389], protocol: tcp}} holds of a network ACL whose inbound
// entries let some of the ports in from 0.0.0.0/0 or ::/0: the entries in RuleNumber order,
// the first that matches a port deciding, a port no entry matches denied (AWS's * entry).
// protocol defaults to all: tcp and udp when ports are given (an entry of protocol -1 lets
// every protocol in). It is the ACL half of exposed, for the ACL itself (Security Hub EC2.21).

var aclIngressKeys = []string{"ports", "protocol"}

func compileACLIngress(l *loader, v *yaml.Node) (func(resource.Kind) (pred, resource.Needs), string, bool) {
	spec, param, ok := l.trafficParams(v, FilterACLIngress, aclIngressKeys)
	if !ok {
		return nil, "", false
	}
	p := predFunc(func(r *resource.Resource, _ time.Time) bool { return aclIngress(r.Attrs, &spec) })
	return func(resource.Kind) (pred, resource.Needs) { return p, 0 }, param, true
}

func aclIngress(acl map[string]any, spec *trafficSpec) bool {
	for _, family := range []int{4, 6} {
		for _, proto := range spec.protocols(family) {
			ports := spec.ports
			if ports == nil {
				ports = []portRange{allPorts}
			}
			if len(aclAllows(acl, proto, family, ports)) > 0 {
				return true
			}
		}
	}
	return false
}
