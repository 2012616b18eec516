package actions

import (
	"fmt"
	"net/netip"

	"github.com/ec2guard/ec2guard/resource"
)

// RestrictIngressConfig is restrict-ingress's configuration.
type RestrictIngressConfig struct {
	CIDRs []string // the replacement ranges, each canonical, none the whole internet
}

func (RestrictIngressConfig) Action() string { return "restrict-ingress" }

var restrictIngressDef = &def{
	name: "restrict-ingress",
	doc: "replace the open range of each security-group ingress rule the rule's filters matched (0.0.0.0/0, ::/0, or the " +
		"public range matched) by the given CIDRs, keeping its protocol and ports: the new rules are authorized first, " +
		"then the open one revoked; the group's other rules stay",
	params: map[string]param{
		"cidrs": {kind: pOther, required: true, valid: replacementCIDRs,
			doc: "the ranges that replace the open one: [10.0.0.0/8, 203.0.113.0/24] (none of them 0.0.0.0/0 or ::/0)"},
	},
	mutates: true,
	parse: func(params map[string]any) (Config, error) {
		return RestrictIngressConfig{CIDRs: stringsOf(params["cidrs"])}, nil
	},
	permissions: func(Config) []Permission {
		return []Permission{{Actions: []string{"ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"},
			On: []resource.Kind{resource.SecurityGroup}, FilterScoped: true, For: resource.SecurityGroup}}
	},
}

// replacementCIDRs checks a non-empty list of CIDRs as AWS takes them (no bits set past the
// prefix length), none twice, none the whole internet (a replacement that opens it again).
func replacementCIDRs(v any) error {
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		return fmt.Errorf("must be a non-empty list of CIDRs (10.0.0.0/8, 2001:db8::/32), got %v", v)
	}
	for i, e := range l {
		s, _ := e.(string)
		p, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			return fmt.Errorf("%v is not a CIDR like 10.0.0.0/8 or 2001:db8::/32", e)
		case p != p.Masked():
			return fmt.Errorf("%s has bits set past its prefix length: write %s", s, p.Masked())
		case p.Bits() == 0:
			return fmt.Errorf("%s is the whole internet: it would open what restrict-ingress closes", s)
		case p.Addr().Is4In6():
			return fmt.Errorf("%s is an IPv4-mapped IPv6 range: write it as IPv4", s)
		}
		for _, o := range l[:i] {
			if o == e {
				return fmt.Errorf("lists %s twice", s)
			}
		}
	}
	return nil
}
