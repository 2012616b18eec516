package rules

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ec2guard/ec2guard/resource"
)

// The semantic filters judge what an attr filter cannot say well: whether a security group
// lets ports in from the internet, whether an instance is reachable on them, whether a
// snapshot or image is shared with everyone, how long an instance has been stopped, whether
// nothing uses an address, volume or group. Each reads its parameters at load (errors at
// their file:line:col) and judges the resource's Attrs, as the kinds' readers fill them.

// semantic is one semantic filter: the kinds it judges, and how it reads its parameters.
type semantic struct {
	kinds []resource.Kind
	// compile checks the filter's value and returns, for each kind, the pred and what a
	// read of that kind must fetch beyond the Describe, and the parameters as written.
	compile func(l *loader, v *yaml.Node) (build func(k resource.Kind) (pred, resource.Needs), param string, ok bool)
}

// semantics are the semantic filters by name.
var semantics = map[FilterKind]*semantic{
	FilterIngress:    {kinds: []resource.Kind{resource.SecurityGroup, resource.Instance}, compile: compileIngress},
	FilterExposed:    {kinds: []resource.Kind{resource.Instance}, compile: compileExposed},
	FilterPublic:     {kinds: []resource.Kind{resource.Snapshot, resource.Image}, compile: compilePublic},
	FilterStoppedFor: {kinds: []resource.Kind{resource.Instance}, compile: compileStoppedFor},
	FilterUnused:     {kinds: []resource.Kind{resource.Address, resource.Volume, resource.SecurityGroup}, compile: compileUnused},
	// for the control catalogue (each in a file of its own)
	FilterACLIngress:    {kinds: []resource.Kind{resource.NetworkACL}, compile: compileACLIngress},
	FilterIngressExcept: {kinds: []resource.Kind{resource.SecurityGroup}, compile: compileIngressExcept},
	FilterSecrets:       {kinds: []resource.Kind{resource.Instance, resource.LaunchTemplate}, compile: compileSecrets},
}

// semanticFilter reads {NAME: VALUE}, a semantic filter, for each of the rule's kinds.
func (l *loader) semanticFilter(f *Filter, item *yaml.Node, kinds []resource.Kind) bool {
	key := item.Content[0]
	f.Kind = FilterKind(key.Value)
	s := semantics[f.Kind]
	if len(item.Content) != 2 {
		l.errorf(item.Content[2], "%s filter is one key: {%s: ...}", article(string(f.Kind)), f.Kind)
		return false
	}
	before := len(l.errs)
	l.applies(key, article(string(f.Kind))+" filter", kinds, func(k resource.Kind) bool { return containsKind(s.kinds, k) })
	build, param, ok := s.compile(l, resolve(item.Content[1]))
	if !ok || len(l.errs) > before {
		return false
	}
	f.Param = param
	j := &judge{}
	for _, k := range kinds {
		p, needs := build(k)
		j.kinds, j.needs, j.preds = append(j.kinds, k), append(j.needs, needs|resource.NeedDescribe), append(j.preds, p)
	}
	f.judge = j
	return true
}

// article puts a or an before a filter's name.
func article(name string) string {
	if strings.ContainsRune("aeiou", rune(name[0])) {
		return "an " + name
	}
	return "a " + name
}

func containsKind(ks []resource.Kind, k resource.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// predFunc is a pred of a plain function.
type predFunc func(r *resource.Resource, now time.Time) bool

func (p predFunc) match(r *resource.Resource, now time.Time) bool { return p(r, now) }

// boolValue reads a filter whose value is true or false ({public: true}).
func (l *loader) boolValue(v *yaml.Node, name FilterKind) (bool, bool) {
	var b bool
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || v.Decode(&b) != nil {
		l.errorf(v, "%s takes true or false", name)
		return false, false
	}
	return b, true
}

// --- stopped-for ---

func compileStoppedFor(l *loader, v *yaml.Node) (func(resource.Kind) (pred, resource.Needs), string, bool) {
	s := l.str(v, "stopped-for")
	if s == "" {
		return nil, "", false
	}
	d, err := parseDuration(s)
	if err != nil {
		l.errorf(v, "stopped-for: %v", err)
		return nil, "", false
	}
	p := predFunc(func(r *resource.Resource, now time.Time) bool {
		// StateTransitionTime is when the instance entered its state; without it nobody
		// knows how long it has been stopped, and the filter does not hold.
		t, ok := r.Attrs["StateTransitionTime"].(time.Time)
		return r.State == resource.Stopped && ok && now.Sub(t) >= d
	})
	return func(resource.Kind) (pred, resource.Needs) { return p, 0 }, s, true
}

// --- public ---

func compilePublic(l *loader, v *yaml.Node) (func(resource.Kind) (pred, resource.Needs), string, bool) {
	want, ok := l.boolValue(v, FilterPublic)
	if !ok {
		return nil, "", false
	}
	return func(k resource.Kind) (pred, resource.Needs) {
		perms := "CreateVolumePermissions"
		if k == resource.Image {
			perms = "LaunchPermissions"
		}
		// A snapshot's Public is a read of its own (NeedSharing: one listing per place); an
		// image's comes with DescribeImages. The permission lists (NeedPermissions, a call
		// per resource) say nothing more of everyone, so they are read only when there.
		var needs resource.Needs
		if k == resource.Snapshot {
			needs = resource.NeedSharing
		}
		return predFunc(func(r *resource.Resource, _ time.Time) bool {
			return sharedWithAll(r.Attrs, perms) == want
		}), needs
	}, fmt.Sprint(want), true
}

// sharedWithAll reports a snapshot or image shared with everyone: Public (the snapshot's
// derived field, the image's own), or a permission of group all where the read has them.
func sharedWithAll(attrs map[string]any, perms string) bool {
	if pub, _ := attrs["Public"].(bool); pub {
		return true
	}
	list, _ := attrs[perms].([]any)
	for _, p := range list {
		if m, _ := p.(map[string]any); m["Group"] == "all" {
			return true
		}
	}
	return false
}

// --- unused ---

func compileUnused(l *loader, v *yaml.Node) (func(resource.Kind) (pred, resource.Needs), string, bool) {
	want, ok := l.boolValue(v, FilterUnused)
	if !ok {
		return nil, "", false
	}
	return func(k resource.Kind) (pred, resource.Needs) {
		var needs resource.Needs
		if k == resource.SecurityGroup {
			needs = resource.NeedUsage
		}
		return predFunc(func(r *resource.Resource, _ time.Time) bool { return unused(r) == want }), needs
	}, fmt.Sprint(want), true
}

// unused reports an address with no association, a volume that is available (attached to
// nothing), a security group no network interface uses. The VPC's default group is never
// unused: AWS does not let it be deleted, so there is nothing to clean up.
func unused(r *resource.Resource) bool {
	a := r.Attrs
	switch r.Kind {
	case resource.Address:
		for _, f := range []string{"AssociationId", "InstanceId", "NetworkInterfaceId"} {
			if s, _ := a[f].(string); s != "" {
				return false
			}
		}
		return true
	case resource.Volume:
		return a["State"] == "available"
	case resource.SecurityGroup:
		if def, _ := a["IsDefault"].(bool); def {
			return false
		}
		users, _ := a["UsedBy"].([]any)
		return len(users) == 0
	}
	return false
}

// --- ingress and exposed: ports, protocols, sources ---

// portRange is an inclusive range of ports.
type portRange struct{ lo, hi int }

var allPorts = portRange{0, 65535}

func (a portRange) overlaps(b portRange) bool { return a.lo <= b.hi && b.lo <= a.hi }

// trafficSpec is what an ingress or exposed filter asks about: some of the ports (nil: any)
// of a protocol, from the internet or any public range.
type trafficSpec struct {
	ports  []portRange
	proto  string         // tcp, udp, icmp, icmpv6 or all
	public bool           // from: public
	ranges []netip.Prefix // from: CIDRs (a source range that overlaps one)
	family int            // from: internet-ipv4 (4) or internet-ipv6 (6): that family's /0 alone
}

var protocols = []string{"tcp", "udp", "icmp", "icmpv6", "all"}

// trafficParams reads {ports: [...], protocol: P, from: F} (or true: any port, any protocol,
// from the internet). keys are the keys the filter takes.
func (l *loader) trafficParams(v *yaml.Node, name FilterKind, keys []string) (trafficSpec, string, bool) {
	spec := trafficSpec{proto: "all"}
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool" && v.Value == "true" {
		return spec, "any port", true
	}
	if v.Kind != yaml.MappingNode {
		l.errorf(v, "%s takes a mapping of %s (or true: any port of any protocol)", name, strings.Join(keys, ", "))
		return spec, "", false
	}
	ok := true
	var portsNode *yaml.Node
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], resolve(v.Content[i+1])
		switch {
		case !containsStr(keys, k.Value):
			l.errorf(k, "unknown %s key %q (known: %s)", name, k.Value, strings.Join(keys, ", "))
			ok = false
		case k.Value == "ports":
			portsNode = val
			var good bool
			spec.ports, good = l.ports(val)
			ok = ok && good
		case k.Value == "protocol":
			p := l.str(val, "protocol")
			if !containsStr(protocols, p) {
				if p != "" {
					l.errorf(val, "unknown protocol %q (one of: %s)", p, strings.Join(protocols, ", "))
				}
				ok = false
			}
			spec.proto = p
		case k.Value == "from" && val.Kind == yaml.ScalarNode && (val.Value == "internet-ipv4" || val.Value == "internet-ipv6"):
			spec.family = 4
			if val.Value == "internet-ipv6" {
				spec.family = 6
			}
		case k.Value == "from":
			var good bool
			spec.public, spec.ranges, good = l.from(val)
			ok = ok && good
		}
	}
	if portsNode != nil && (spec.proto == "icmp" || spec.proto == "icmpv6") {
		l.errorf(portsNode, "%s has no ports: drop ports, or ask about tcp, udp or all", spec.proto)
		ok = false
	}
	var b strings.Builder
	if spec.ports == nil {
		b.WriteString("any port")
	} else {
		b.WriteString("ports ")
		for i, r := range spec.ports {
			if i > 0 {
				b.WriteByte(',')
			}
			if r.lo == r.hi {
				fmt.Fprintf(&b, "%d", r.lo)
			} else {
				fmt.Fprintf(&b, "%d-%d", r.lo, r.hi)
			}
		}
	}
	if spec.proto != "all" {
		b.WriteString(" of " + spec.proto)
	}
	switch {
	case spec.public:
		b.WriteString(" from any public range")
	case spec.ranges != nil:
		b.WriteString(" from " + fmt.Sprint(spec.ranges))
	case spec.family == 4:
		b.WriteString(" from 0.0.0.0/0")
	case spec.family == 6:
		b.WriteString(" from ::/0")
	default:
		b.WriteString(" from the internet")
	}
	return spec, b.String(), ok
}

// from reads where traffic comes from: internet (0.0.0.0/0, ::/0), public (any range not
// wholly private or reserved), or CIDRs (a source range that overlaps one of them).
func (l *loader) from(v *yaml.Node) (public bool, ranges []netip.Prefix, ok bool) {
	if v.Kind == yaml.ScalarNode && (v.Value == "internet" || v.Value == "public") {
		return v.Value == "public", nil, true
	}
	ok = true
	for i, s := range l.strList(v, "from") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			if s != "" {
				l.errorf(elem(v, i), "from must be internet (0.0.0.0/0, ::/0), internet-ipv4 (0.0.0.0/0), internet-ipv6 (::/0), public (any range not wholly private or reserved) or CIDRs (203.0.113.0/24), not %q", s)
			}
			ok = false
			continue
		}
		if p != p.Masked() {
			l.errorf(elem(v, i), "%s has bits set past its prefix length: write %s", s, p.Masked())
			ok = false
			continue
		}
		ranges = append(ranges, p)
	}
	return false, ranges, ok
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// ports reads a list of ports and ranges: [22, 3389, "8000-8100"].
func (l *loader) ports(v *yaml.Node) ([]portRange, bool) {
	items := []*yaml.Node{v}
	if v.Kind == yaml.SequenceNode {
		if len(v.Content) == 0 {
			l.errorf(v, "ports is empty: give ports or ranges ([22, 3389, \"8000-8100\"]) or leave it out for any port")
			return nil, false
		}
		items = v.Content
	}
	var out []portRange
	ok := true
	for _, n := range items {
		n = resolve(n)
		r, err := parsePorts(n)
		if err != nil {
			l.errorf(n, "ports: %v", err)
			ok = false
			continue
		}
		out = append(out, r)
	}
	return out, ok
}

func parsePorts(n *yaml.Node) (portRange, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" && n.ShortTag() != "!!str" {
		return portRange{}, fmt.Errorf("a port is a number (22) or a range (\"8000-8100\"), not %s", describeNode(n))
	}
	lo, hi, isRange := strings.Cut(n.Value, "-")
	if !isRange {
		hi = lo
	}
	a, errA := parsePort(lo)
	b, errB := parsePort(hi)
	switch {
	case errA != nil:
		return portRange{}, errA
	case errB != nil:
		return portRange{}, errB
	case a > b:
		return portRange{}, fmt.Errorf("the range %s runs backwards: write %d-%d", n.Value, b, a)
	}
	return portRange{a, b}, nil
}

func parsePort(s string) (int, error) {
	s = strings.TrimSpace(s)
	n := 0
	if s == "" || len(s) > 5 {
		return 0, fmt.Errorf("%q is not a port (0-65535)", s)
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not a port (0-65535)", s)
		}
		n = n*10 + int(c-'0')
	}
	if n > 65535 {
		return 0, fmt.Errorf("port %d is past 65535", n)
	}
	return n, nil
}

func describeNode(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return fmt.Sprintf("%q", n.Value)
	}
	return "a " + map[yaml.Kind]string{yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}[n.Kind]
}

// protoName reads a protocol as AWS writes it (a name, or a number; -1 is all).
func protoName(p string) string {
	switch p {
	case "6":
		return "tcp"
	case "17":
		return "udp"
	case "1":
		return "icmp"
	case "58":
		return "icmpv6"
	case "-1":
		return "all"
	}
	return strings.ToLower(p)
}

// hasPorts reports a protocol whose permissions and ACL entries have port ranges.
func hasPorts(p string) bool { return p == "tcp" || p == "udp" }

// admits reports whether a permission or entry of protocol p (as AWS names it, normalized)
// on ports r (allPorts where it has none) carries some of what spec asks about, given the
// protocol asked (want: one of spec's, or all).
func (spec *trafficSpec) admits(p string, r portRange) bool {
	if p != "all" && spec.proto != "all" && p != spec.proto {
		return false
	}
	if spec.ports == nil {
		return true
	}
	if p != "all" && !hasPorts(p) {
		return false // icmp and the like have no ports
	}
	for _, want := range spec.ports {
		if want.overlaps(r) {
			return true
		}
	}
	return false
}

// permPorts is the port range of a permission or entry: FromPort and ToPort (an ACL's
// PortRange.From and To); all ports when it has none or says -1.
func permPorts(m map[string]any, from, to string) portRange {
	lo, okLo := number(m[from])
	hi, okHi := number(m[to])
	if !okLo || !okHi || lo < 0 || hi < 0 {
		return allPorts
	}
	return portRange{int(lo), int(hi)}
}

// ingressOpen reports whether a security group's Attrs let some of spec in: an ingress
// permission whose protocol and ports meet spec's, from 0.0.0.0/0 or ::/0 (or, with
// from: public, from any range not wholly private or reserved). Prefix lists and referenced
// groups are not the internet. family limits the sources to 4 or 6 (0: both).
func ingressOpen(sg map[string]any, spec *trafficSpec, family int) bool {
	perms, _ := sg["IpPermissions"].([]any)
	for _, p := range perms {
		m, _ := p.(map[string]any)
		proto, _ := m["IpProtocol"].(string)
		proto = protoName(proto)
		r := allPorts
		if hasPorts(proto) {
			r = permPorts(m, "FromPort", "ToPort")
		}
		if !spec.admits(proto, r) {
			continue
		}
		if family != 6 && openRanges(m["IpRanges"], "CidrIp", spec) {
			return true
		}
		if family != 4 && openRanges(m["Ipv6Ranges"], "CidrIpv6", spec) {
			return true
		}
	}
	return false
}

func openRanges(v any, field string, spec *trafficSpec) bool {
	list, _ := v.([]any)
	for _, e := range list {
		m, _ := e.(map[string]any)
		cidr, _ := m[field].(string)
		if spec.source(cidr) {
			return true
		}
	}
	return false
}

// source reports a source range that spec's from selects: one overlapping its CIDRs, a
// public range (from: public), or else 0.0.0.0/0 or ::/0.
func (spec *trafficSpec) source(cidr string) bool {
	if spec.ranges != nil {
		return overlapsAny(cidr, spec.ranges)
	}
	if spec.public {
		return isPublicCIDR(cidr)
	}
	return isInternet(cidr)
}

// --- ingress ---

var ingressKeys = []string{"ports", "protocol", "from"}

func compileIngress(l *loader, v *yaml.Node) (func(resource.Kind) (pred, resource.Needs), string, bool) {
	spec, param, ok := l.trafficParams(v, FilterIngress, ingressKeys)
	if !ok {
		return nil, "", false
	}
	return func(k resource.Kind) (pred, resource.Needs) {
		if k == resource.Instance {
			return &ingressPred{spec: &spec, instance: true}, resource.NeedExposure
		}
		return &ingressPred{spec: &spec}, 0
	}, param, true
}

// instanceGroups are the security groups of an instance's Exposure.
func instanceGroups(attrs map[string]any) []map[string]any {
	exp, _ := attrs["Exposure"].(map[string]any)
	list, _ := exp["SecurityGroups"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// --- exposed ---

var exposedKeys = []string{"ports", "protocol"}

func compileExposed(l *loader, v *yaml.Node) (func(resource.Kind) (pred, resource.Needs), string, bool) {
	spec, param, ok := l.trafficParams(v, FilterExposed, exposedKeys)
	if !ok {
		return nil, "", false
	}
	return func(resource.Kind) (pred, resource.Needs) {
		return predFunc(func(r *resource.Resource, _ time.Time) bool { return exposed(r.Attrs, &spec) }), resource.NeedExposure
	}, param, true
}

// exposed reports an instance the internet reaches on some of spec: by IPv4, a public IPv4
// address, a subnet routed to an internet gateway, a security group that lets the traffic
// in from 0.0.0.0/0 and a network ACL whose ingress entries do; by IPv6 the same with an
// IPv6 address and ::/0. The port must be one the group and the ACL both let in. A part of
// Exposure the read did not find (no Subnet, no NetworkAcl) does not block: AWS always has
// them, so an absent one is unknown, and an exposure filter errs toward reporting.
func exposed(attrs map[string]any, spec *trafficSpec) bool {
	exp, _ := attrs["Exposure"].(map[string]any)
	if sub, ok := exp["Subnet"].(map[string]any); ok {
		if igw, ok := sub["RoutesToInternetGateway"].(bool); ok && !igw {
			return false
		}
	}
	acl, _ := exp["NetworkAcl"].(map[string]any)
	v4, v6 := publicAddresses(attrs)
	for _, family := range []int{4, 6} {
		if family == 4 && !v4 || family == 6 && !v6 {
			continue
		}
		for _, proto := range spec.protocols(family) {
			allowed := []portRange{allPorts}
			if spec.ports != nil {
				allowed = spec.ports
			}
			if acl != nil {
				allowed = aclAllows(acl, proto, family, allowed)
			}
			for _, r := range allowed {
				narrowed := trafficSpec{ports: []portRange{r}, proto: proto}
				if !hasPorts(proto) {
					narrowed.ports = nil
				}
				for _, sg := range instanceGroups(attrs) {
					if ingressOpen(sg, &narrowed, family) {
						return true
					}
				}
			}
		}
	}
	return false
}

// protocols are the protocols spec asks about for an address family.
func (spec *trafficSpec) protocols(family int) []string {
	if spec.proto != "all" {
		return []string{spec.proto}
	}
	if spec.ports != nil {
		return []string{"tcp", "udp"}
	}
	if family == 6 {
		return []string{"tcp", "udp", "icmpv6"}
	}
	return []string{"tcp", "udp", "icmp"}
}

// publicAddresses reports whether the instance has a public IPv4 address (its own, or an
// interface's association) and an IPv6 address (EC2's are globally routable).
func publicAddresses(attrs map[string]any) (v4, v6 bool) {
	if s, _ := attrs["PublicIpAddress"].(string); s != "" {
		v4 = true
	}
	if s, _ := attrs["Ipv6Address"].(string); s != "" {
		v6 = true
	}
	nics, _ := attrs["NetworkInterfaces"].([]any)
	for _, n := range nics {
		m, _ := n.(map[string]any)
		if assoc, _ := m["Association"].(map[string]any); assoc != nil {
			if s, _ := assoc["PublicIp"].(string); s != "" {
				v4 = true
			}
		}
		addrs, _ := m["Ipv6Addresses"].([]any)
		for _, a := range addrs {
			if am, _ := a.(map[string]any); am != nil {
				if s, _ := am["Ipv6Address"].(string); s != "" {
					v6 = true
				}
			}
		}
	}
	return v4, v6
}

// aclAllows narrows ports (of proto, from the internet of a family) to those a network
// ACL's ingress entries let in: entries in RuleNumber order, the first that matches a port
// decides (allow or deny), and a port no entry matches is denied (the * entry, 32767, which
// AWS lists too). Only entries from 0.0.0.0/0 (::/0) decide for an arbitrary internet
// source: one from a narrower range speaks for that range alone.
func aclAllows(acl map[string]any, proto string, family int, ports []portRange) []portRange {
	entries, _ := acl["Entries"].([]any)
	type entry struct {
		num   float64
		allow bool
		r     portRange
	}
	var es []entry
	for _, e := range entries {
		m, _ := e.(map[string]any)
		if egress, _ := m["Egress"].(bool); egress {
			continue
		}
		field := "CidrBlock"
		if family == 6 {
			field = "Ipv6CidrBlock"
		}
		if cidr, _ := m[field].(string); !isInternet(cidr) {
			continue
		}
		p, _ := m["Protocol"].(string)
		p = protoName(p)
		if p != "all" && p != proto {
			continue
		}
		r := allPorts
		if hasPorts(p) {
			pr, _ := m["PortRange"].(map[string]any)
			r = permPorts(pr, "From", "To")
		}
		num, _ := number(m["RuleNumber"])
		action, _ := m["RuleAction"].(string)
		es = append(es, entry{num, action == "allow", r})
	}
	// a stable insertion sort: ACLs hold a few dozen entries at most
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].num < es[j-1].num; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
	undecided := ports
	var allowed []portRange
	if !hasPorts(proto) {
		undecided = []portRange{allPorts}
	}
	for _, e := range es {
		if e.allow {
			allowed = append(allowed, overlapOf(undecided, e.r)...)
		}
		undecided = subtract(undecided, e.r)
		if len(undecided) == 0 {
			break
		}
	}
	return allowed
}

func overlapOf(rs []portRange, r portRange) []portRange {
	var out []portRange
	for _, x := range rs {
		if x.overlaps(r) {
			out = append(out, portRange{max(x.lo, r.lo), min(x.hi, r.hi)})
		}
	}
	return out
}

func subtract(rs []portRange, r portRange) []portRange {
	var out []portRange
	for _, x := range rs {
		if !x.overlaps(r) {
			out = append(out, x)
			continue
		}
		if x.lo < r.lo {
			out = append(out, portRange{x.lo, r.lo - 1})
		}
		if x.hi > r.hi {
			out = append(out, portRange{r.hi + 1, x.hi})
		}
	}
	return out
}
