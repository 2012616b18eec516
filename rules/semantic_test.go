package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/resource"
)

// perm is an ingress permission as awsapi.Tree writes one.
func perm(proto string, from, to float64, v4, v6 []string) map[string]any {
	m := map[string]any{"IpProtocol": proto}
	if proto != "-1" {
		m["FromPort"], m["ToPort"] = from, to
	}
	var r4, r6 []any
	for _, c := range v4 {
		r4 = append(r4, map[string]any{"CidrIp": c})
	}
	for _, c := range v6 {
		r6 = append(r6, map[string]any{"CidrIpv6": c})
	}
	if r4 != nil {
		m["IpRanges"] = r4
	}
	if r6 != nil {
		m["Ipv6Ranges"] = r6
	}
	return m
}

func group(perms ...map[string]any) map[string]any {
	list := make([]any, len(perms))
	for i, p := range perms {
		list[i] = p
	}
	return map[string]any{"GroupId": "sg-1", "GroupName": "web", "IpPermissions": list}
}

var internet = []string{"0.0.0.0/0"}

func TestIngressFilter(t *testing.T) {
	ssh := group(perm("tcp", 22, 22, internet, nil))
	tests := []struct {
		filter string
		sg     map[string]any
		want   bool
	}{
		{"{ingress: {ports: [22]}}", ssh, true},
		{"{ingress: {ports: [22], protocol: tcp}}", ssh, true},
		{"{ingress: {ports: [22], protocol: udp}}", ssh, false},
		{"{ingress: {ports: [3389]}}", ssh, false},
		{"{ingress: {ports: [3389, '20-25']}}", ssh, true},
		{"{ingress: true}", ssh, true},
		{"{ingress: {ports: [443]}}", group(perm("-1", 0, 0, internet, nil)), true},
		{"{ingress: {ports: [443], protocol: udp}}", group(perm("-1", 0, 0, internet, nil)), true},
		{"{ingress: {ports: [8080]}}", group(perm("6", 8000, 8100, internet, nil)), true},
		{"{ingress: {ports: ['8101-9000']}}", group(perm("tcp", 8000, 8100, internet, nil)), false},
		{"{ingress: {ports: [22]}}", group(perm("tcp", 22, 22, nil, []string{"::/0"})), true},
		{"{ingress: {ports: [22]}}", group(perm("tcp", 22, 22, []string{"10.0.0.0/8"}, nil)), false},
		{"{ingress: {ports: [22], from: public}}", group(perm("tcp", 22, 22, []string{"10.0.0.0/8", "100.64.0.0/10", "fd00::/8"}, nil)), false},
		{"{ingress: {ports: [22], from: public}}", group(perm("tcp", 22, 22, []string{"8.8.8.0/24"}, nil)), true},
		{"{ingress: {ports: [22], from: public}}", group(perm("tcp", 22, 22, []string{"10.0.0.0/7"}, nil)), true},
		{"{ingress: {ports: [22], from: public}}", group(perm("tcp", 22, 22, nil, []string{"2600:1f18::/32"})), true},
		{"{ingress: {ports: [22]}}", group(perm("tcp", 22, 22, []string{"8.8.8.0/24"}, nil)), false},
		{"{ingress: {ports: [22], from: [203.0.113.0/24]}}", group(perm("tcp", 22, 22, []string{"203.0.0.0/16"}, nil)), true},
		{"{ingress: {ports: [22], from: [198.51.100.0/24]}}", group(perm("tcp", 22, 22, []string{"203.0.0.0/16"}, nil)), false},
		// icmp has no ports: a port question is not answered by an icmp permission
		{"{ingress: {ports: [0]}}", group(perm("icmp", -1, -1, internet, nil)), false},
		{"{ingress: {protocol: icmp}}", group(perm("icmp", -1, -1, internet, nil)), true},
		{"{ingress: {protocol: icmp}}", ssh, false},
		// prefix lists and referenced groups are not the internet
		{"{ingress: true}", group(map[string]any{"IpProtocol": "-1", "PrefixListIds": []any{map[string]any{"PrefixListId": "pl-1"}}, "UserIdGroupPairs": []any{map[string]any{"GroupId": "sg-2"}}}), false},
		{"{ingress: true}", map[string]any{"GroupId": "sg-1"}, false},
	}
	for _, tc := range tests {
		f, err := loadFilter(t, "[security-group, instance]", tc.filter)
		if err != nil {
			t.Errorf("%s: %v", tc.filter, err)
			continue
		}
		if got := f.Match(res(resource.SecurityGroup, tc.sg), now); got != tc.want {
			t.Errorf("%s on %v = %v, want %v", tc.filter, tc.sg["IpPermissions"], got, tc.want)
		}
		// an instance is judged through the groups of its Exposure
		in := map[string]any{"Exposure": map[string]any{"SecurityGroups": []any{group(), tc.sg}}}
		if got := f.Match(res(resource.Instance, in), now); got != tc.want {
			t.Errorf("%s on an instance with %v = %v, want %v", tc.filter, tc.sg["IpPermissions"], got, tc.want)
		}
		if f.NeedsFor(resource.Instance) != resource.NeedDescribe|resource.NeedExposure || f.NeedsFor(resource.SecurityGroup) != resource.NeedDescribe {
			t.Errorf("%s: needs %b and %b", tc.filter, f.NeedsFor(resource.Instance), f.NeedsFor(resource.SecurityGroup))
		}
	}
}

// acl is a network ACL's ingress entries as awsapi.Tree writes them, after the default
// outbound entry and before the * entry (32767, deny) AWS lists.
func acl(entries ...map[string]any) map[string]any {
	list := []any{map[string]any{"RuleNumber": float64(100), "Protocol": "-1", "RuleAction": "allow", "Egress": true, "CidrBlock": "0.0.0.0/0"}}
	for _, e := range entries {
		e["Egress"] = false
		list = append(list, e)
	}
	list = append(list,
		map[string]any{"RuleNumber": float64(32767), "Protocol": "-1", "RuleAction": "deny", "Egress": false, "CidrBlock": "0.0.0.0/0"},
		map[string]any{"RuleNumber": float64(32768), "Protocol": "-1", "RuleAction": "deny", "Egress": false, "Ipv6CidrBlock": "::/0"})
	return map[string]any{"NetworkAclId": "acl-1", "Entries": list}
}

func entry(n float64, proto, action, cidr string, from, to float64) map[string]any {
	e := map[string]any{"RuleNumber": n, "Protocol": proto, "RuleAction": action}
	if strings.Contains(cidr, ":") {
		e["Ipv6CidrBlock"] = cidr
	} else {
		e["CidrBlock"] = cidr
	}
	if proto == "6" || proto == "17" {
		e["PortRange"] = map[string]any{"From": from, "To": to}
	}
	return e
}

func exposedInstance(mut func(in, exp map[string]any)) map[string]any {
	exp := map[string]any{
		"Subnet":         map[string]any{"SubnetId": "subnet-1", "RoutesToInternetGateway": true},
		"NetworkAcl":     acl(entry(100, "-1", "allow", "0.0.0.0/0", 0, 0), entry(101, "-1", "allow", "::/0", 0, 0)),
		"SecurityGroups": []any{group(perm("tcp", 22, 22, internet, nil))},
	}
	in := map[string]any{
		"InstanceId": "i-1", "PublicIpAddress": "3.120.0.1",
		"NetworkInterfaces": []any{map[string]any{"NetworkInterfaceId": "eni-1", "Association": map[string]any{"PublicIp": "3.120.0.1"}}},
		"Exposure":          exp,
	}
	if mut != nil {
		mut(in, exp)
	}
	return in
}

func TestExposedFilter(t *testing.T) {
	ssh := "{exposed: {ports: [22]}}"
	tests := []struct {
		name, filter string
		in           map[string]any
		want         bool
	}{
		{"open", ssh, exposedInstance(nil), true},
		{"any port", "{exposed: true}", exposedInstance(nil), true},
		{"another port", "{exposed: {ports: [3389]}}", exposedInstance(nil), false},
		{"udp", "{exposed: {ports: [22], protocol: udp}}", exposedInstance(nil), false},
		{"no public address", ssh, exposedInstance(func(in, _ map[string]any) {
			delete(in, "PublicIpAddress")
			delete(in, "NetworkInterfaces")
		}), false},
		{"an interface's public address only", ssh, exposedInstance(func(in, _ map[string]any) { delete(in, "PublicIpAddress") }), true},
		{"subnet not routed to an internet gateway", ssh, exposedInstance(func(_, exp map[string]any) {
			exp["Subnet"].(map[string]any)["RoutesToInternetGateway"] = false
		}), false},
		{"the ACL denies the port first", ssh, exposedInstance(func(_, exp map[string]any) {
			exp["NetworkAcl"] = acl(entry(90, "6", "deny", "0.0.0.0/0", 22, 22), entry(100, "-1", "allow", "0.0.0.0/0", 0, 0))
		}), false},
		{"the ACL denies the port after allowing it", ssh, exposedInstance(func(_, exp map[string]any) {
			exp["NetworkAcl"] = acl(entry(100, "-1", "allow", "0.0.0.0/0", 0, 0), entry(110, "6", "deny", "0.0.0.0/0", 22, 22))
		}), true},
		{"the ACL allows only another port", ssh, exposedInstance(func(_, exp map[string]any) {
			exp["NetworkAcl"] = acl(entry(100, "6", "allow", "0.0.0.0/0", 80, 80))
		}), false},
		{"the ACL allows the port from a narrow range only", ssh, exposedInstance(func(_, exp map[string]any) {
			exp["NetworkAcl"] = acl(entry(100, "6", "allow", "203.0.113.0/24", 22, 22))
		}), false},
		{"the * entry alone", ssh, exposedInstance(func(_, exp map[string]any) { exp["NetworkAcl"] = acl() }), false},
		{"the ACL lets 80 of the asked, the group 80 of all", "{exposed: {ports: ['20-80']}}", exposedInstance(func(_, exp map[string]any) {
			exp["NetworkAcl"] = acl(entry(90, "6", "deny", "0.0.0.0/0", 0, 79), entry(100, "6", "allow", "0.0.0.0/0", 0, 65535))
			exp["SecurityGroups"] = []any{group(perm("tcp", 0, 65535, internet, nil))}
		}), true},
		{"group and ACL open different ports", "{exposed: {ports: ['20-80']}}", exposedInstance(func(_, exp map[string]any) {
			exp["NetworkAcl"] = acl(entry(90, "6", "deny", "0.0.0.0/0", 0, 79), entry(100, "6", "allow", "0.0.0.0/0", 0, 65535))
			exp["SecurityGroups"] = []any{group(perm("tcp", 22, 22, internet, nil))}
		}), false},
		{"the group opens a private range only", ssh, exposedInstance(func(_, exp map[string]any) {
			exp["SecurityGroups"] = []any{group(perm("tcp", 22, 22, []string{"10.0.0.0/8"}, nil))}
		}), false},
		{"IPv4 address, group open to ::/0 only", ssh, exposedInstance(func(_, exp map[string]any) {
			exp["SecurityGroups"] = []any{group(perm("tcp", 22, 22, nil, []string{"::/0"}))}
		}), false},
		{"IPv6 address, group open to ::/0", ssh, exposedInstance(func(in, exp map[string]any) {
			delete(in, "PublicIpAddress")
			in["NetworkInterfaces"] = []any{map[string]any{"Ipv6Addresses": []any{map[string]any{"Ipv6Address": "2600:1f18::1"}}}}
			exp["SecurityGroups"] = []any{group(perm("tcp", 22, 22, nil, []string{"::/0"}))}
		}), true},
		{"IPv6 address, ACL without an IPv6 allow", ssh, exposedInstance(func(in, exp map[string]any) {
			delete(in, "PublicIpAddress")
			delete(in, "NetworkInterfaces")
			in["Ipv6Address"] = "2600:1f18::1"
			exp["SecurityGroups"] = []any{group(perm("tcp", 22, 22, nil, []string{"::/0"}))}
			exp["NetworkAcl"] = acl(entry(100, "-1", "allow", "0.0.0.0/0", 0, 0))
		}), false},
		{"icmp", "{exposed: {protocol: icmp}}", exposedInstance(func(_, exp map[string]any) {
			exp["SecurityGroups"] = []any{group(perm("icmp", -1, -1, internet, nil))}
		}), true},
		{"no ACL read: it does not block", ssh, exposedInstance(func(_, exp map[string]any) { delete(exp, "NetworkAcl") }), true},
	}
	for _, tc := range tests {
		f, err := loadFilter(t, "[instance]", tc.filter)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := f.Match(res(resource.Instance, tc.in), now); got != tc.want {
			t.Errorf("%s: %s = %v, want %v", tc.name, tc.filter, got, tc.want)
		}
	}
	f, _ := loadFilter(t, "[instance]", ssh)
	r := res(resource.Instance, exposedInstance(nil))
	r.Read = resource.NeedDescribe
	if f.Match(r, now) {
		t.Error("exposed held of a read without the instance's exposure")
	}
}

func TestPublicStoppedForUnused(t *testing.T) {
	tests := []struct {
		kinds, filter string
		r             *resource.Resource
		want          bool
	}{
		{"[snapshot]", "{public: true}", res(resource.Snapshot, map[string]any{"Public": true}), true},
		{"[snapshot]", "{public: true}", res(resource.Snapshot, map[string]any{"CreateVolumePermissions": []any{map[string]any{"Group": "all"}}}), true},
		{"[snapshot]", "{public: true}", res(resource.Snapshot, map[string]any{"Public": false, "CreateVolumePermissions": []any{map[string]any{"UserId": "444455556666"}}}), false},
		{"[snapshot]", "{public: false}", res(resource.Snapshot, map[string]any{"Public": false}), true},
		{"[image]", "{public: true}", res(resource.Image, map[string]any{"Public": true}), true},
		{"[image]", "{public: true}", res(resource.Image, map[string]any{"Public": false, "LaunchPermissions": []any{map[string]any{"Group": "all"}}}), true},
		{"[image]", "{public: true}", res(resource.Image, map[string]any{"Public": false, "LaunchPermissions": []any{map[string]any{"OrganizationArn": "arn:aws:organizations::111122223333:organization/o-1"}}}), false},
		{"[instance]", "{stopped-for: 30d}", stoppedFor(40 * 24 * time.Hour), true},
		{"[instance]", "{stopped-for: 30d}", stoppedFor(10 * 24 * time.Hour), false},
		{"[instance]", "{stopped-for: 12h}", stoppedFor(13 * time.Hour), true},
		{"[instance]", "{stopped-for: 30d}", func() *resource.Resource { r := stoppedFor(40 * 24 * time.Hour); r.State = resource.Running; return r }(), false},
		{"[instance]", "{stopped-for: 30d}", func() *resource.Resource { r := stoppedFor(0); delete(r.Attrs, "StateTransitionTime"); return r }(), false},
		{"[address]", "{unused: true}", res(resource.Address, map[string]any{"AllocationId": "eipalloc-1", "PublicIp": "3.1.1.1"}), true},
		{"[address]", "{unused: true}", res(resource.Address, map[string]any{"AllocationId": "eipalloc-1", "AssociationId": "eipassoc-1"}), false},
		{"[address]", "{unused: false}", res(resource.Address, map[string]any{"AllocationId": "eipalloc-1", "NetworkInterfaceId": "eni-1"}), true},
		{"[volume]", "{unused: true}", res(resource.Volume, map[string]any{"State": "available"}), true},
		{"[volume]", "{unused: true}", res(resource.Volume, map[string]any{"State": "in-use"}), false},
		{"[security-group]", "{unused: true}", res(resource.SecurityGroup, map[string]any{"GroupName": "old", "IsDefault": false}), true},
		{"[security-group]", "{unused: true}", res(resource.SecurityGroup, map[string]any{"GroupName": "default", "IsDefault": true}), false},
		{"[security-group]", "{unused: true}", res(resource.SecurityGroup, map[string]any{"GroupName": "web", "UsedBy": []any{"eni-1"}}), false},
	}
	for _, tc := range tests {
		f, err := loadFilter(t, tc.kinds, tc.filter)
		if err != nil {
			t.Errorf("%s %s: %v", tc.kinds, tc.filter, err)
			continue
		}
		if got := f.Match(tc.r, now); got != tc.want {
			t.Errorf("%s on %s %v = %v, want %v", tc.filter, tc.r.Kind, tc.r.Attrs, got, tc.want)
		}
	}
	for _, tc := range []struct {
		kinds, filter string
		k             resource.Kind
		want          resource.Needs
	}{
		{"[snapshot, image]", "{public: true}", resource.Snapshot, resource.NeedDescribe | resource.NeedSharing},
		{"[snapshot, image]", "{public: true}", resource.Image, resource.NeedDescribe},
		{"[instance]", "{stopped-for: 30d}", resource.Instance, resource.NeedDescribe},
		{"[volume, security-group]", "{unused: true}", resource.Volume, resource.NeedDescribe},
		{"[volume, security-group]", "{unused: true}", resource.SecurityGroup, resource.NeedDescribe | resource.NeedUsage},
	} {
		f, err := loadFilter(t, tc.kinds, tc.filter)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.NeedsFor(tc.k); got != tc.want {
			t.Errorf("%s NeedsFor(%s) = %b, want %b", tc.filter, tc.k, got, tc.want)
		}
	}
}

func stoppedFor(d time.Duration) *resource.Resource {
	r := res(resource.Instance, map[string]any{"StateTransitionTime": now.Add(-d)})
	r.State = resource.Stopped
	return r
}

func TestSemanticFilterErrors(t *testing.T) {
	tests := []struct {
		kinds, filter string
		want          []string
	}{
		{"[security-group]", "{ingress: {ports: [22, 70000, '9-3', abc, '1-x', {a: 1}]}}", []string{
			"6:32: ports: port 70000 is past 65535", "6:39: ports: the range 9-3 runs backwards: write 3-9", `6:46: ports: "abc" is not a port`, `6:51: ports: "x" is not a port`,
			"6:58: ports: a port is a number (22) or a range"}},
		{"[security-group]", "{ingress: {protocol: tcpp}}", []string{`6:30: unknown protocol "tcpp" (one of: tcp, udp, icmp, icmpv6, all)`}},
		{"[security-group]", "{ingress: {from: anywhere}}", []string{`6:26: from must be internet (0.0.0.0/0, ::/0), internet-ipv4 (0.0.0.0/0), internet-ipv6 (::/0), public (any range not wholly private or reserved) or CIDRs (203.0.113.0/24), not "anywhere"`}},
		{"[security-group]", "{ingress: {from: [10.0.0.1/8, 10.0.0.0/33]}}", []string{"6:27: 10.0.0.1/8 has bits set past its prefix length: write 10.0.0.0/8", `6:39: from must be internet`}},
		{"[security-group]", "{ingress: {protocol: icmp, ports: [8]}}", []string{"6:43: icmp has no ports"}},
		{"[security-group]", "{ingress: {port: 22}}", []string{`6:20: unknown ingress key "port" (known: ports, protocol, from)`}},
		{"[security-group]", "{ingress: {ports: []}}", []string{"6:27: ports is empty"}},
		{"[security-group]", "{ingress: 22}", []string{"6:19: ingress takes a mapping of ports, protocol, from (or true: any port of any protocol)"}},
		{"[instance]", "{exposed: {ports: [22], from: public}}", []string{`6:33: unknown exposed key "from" (known: ports, protocol)`}},
		{"[volume]", "{ingress: true}", []string{"6:10: an ingress filter does not apply to volume"}},
		{"[instance, snapshot]", "{stopped-for: 30d}", []string{"6:10: a stopped-for filter does not apply to snapshot"}},
		{"[instance]", "{stopped-for: 30}", []string{`6:23: stopped-for: "30" is not a duration`}},
		{"[snapshot]", "{public: yes}", []string{"6:18: public takes true or false"}},
		{"[instance]", "{unused: true}", []string{"6:10: an unused filter does not apply to instance"}},
		{"[volume]", "{unused: true, public: true}", []string{"6:24: an unused filter is one key"}},
	}
	for _, tc := range tests {
		_, err := loadFilter(t, tc.kinds, tc.filter)
		wantErrors(t, tc.filter, err, tc.want)
	}
}

func TestRuleNeedsForEachKind(t *testing.T) {
	src := "rules:\n  - name: r\n    pattern: {source: [aws.ec2]}\n    resources: [instance, security-group]\n    filters:\n      - {ingress: {ports: [22]}}\n      - {tag: Team, present: true}\n    actions: [start]\n"
	set, err := Load("f.yaml", []byte(src), Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := set.Rules[0]
	if got := r.NeedsFor(resource.SecurityGroup); got != resource.NeedDescribe {
		t.Errorf("NeedsFor(security-group) = %b, want describe only", got)
	}
	if got := r.NeedsFor(resource.Instance); got != resource.NeedDescribe|resource.NeedExposure {
		t.Errorf("NeedsFor(instance) = %b", got)
	}
}
