package rules

import "net/netip"

// reserved are the address blocks that are not the public internet: private (RFC 1918, ULA
// fc00::/7), shared (100.64/10), loopback, link-local, documentation, benchmarking,
// multicast and the reserved 240/4 (with the broadcast address), and "this network".
var reserved = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "224.0.0.0/3",
		"::/128", "::1/128", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// isInternet reports a range that is the whole internet of its family: 0.0.0.0/0 or ::/0.
func isInternet(cidr string) bool {
	p, err := netip.ParsePrefix(cidr)
	return err == nil && p.Bits() == 0
}

// isPublicCIDR reports a range that is not wholly inside private or reserved blocks: some
// address of it is on the public internet. A range that does not parse is not.
func isPublicCIDR(cidr string) bool {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return false
	}
	p = p.Masked()
	for _, r := range reserved {
		if r.Addr().Is4() == p.Addr().Is4() && r.Bits() <= p.Bits() && r.Contains(p.Addr()) {
			return false
		}
	}
	return true
}

// overlapsAny reports whether a range AWS gives overlaps one of ps.
func overlapsAny(cidr string, ps []netip.Prefix) bool {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return false
	}
	for _, q := range ps {
		if p.Overlaps(q) {
			return true
		}
	}
	return false
}
