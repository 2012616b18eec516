package controls

import (
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

func TestNetACL(t *testing.T) {
	acl := func(def bool, entries ...map[string]any) *resource.Resource {
		list := []any{}
		for _, e := range entries {
			list = append(list, e)
		}
		list = append(list, map[string]any{"RuleNumber": 32767.0, "Protocol": "-1", "RuleAction": "deny", "Egress": false, "CidrBlock": "0.0.0.0/0"})
		return res(resource.NetworkACL, map[string]any{"NetworkAclId": "acl-1", "IsDefault": def, "Entries": list})
	}
	entry := func(n float64, proto, action, cidr string, from, to float64) map[string]any {
		return map[string]any{"RuleNumber": n, "Protocol": proto, "RuleAction": action, "Egress": false, "CidrBlock": cidr, "PortRange": map[string]any{"From": from, "To": to}}
	}
	allowAll := map[string]any{"RuleNumber": 100.0, "Protocol": "-1", "RuleAction": "allow", "Egress": false, "CidrBlock": "0.0.0.0/0"}
	judge(t, netACL, nil, []example{
		{"web only", acl(false, entry(100, "6", "allow", "0.0.0.0/0", 80, 443)), Pass, "", 0},
		{"ssh allowed", acl(false, entry(100, "6", "allow", "0.0.0.0/0", 22, 22)), Fail, "22 or 3389", 0},
		{"rdp by udp", acl(false, entry(100, "17", "allow", "0.0.0.0/0", 3389, 3389)), Fail, "", 0},
		{"allow all", acl(false, allowAll), Fail, "", 0},
		{"denied first", acl(false, entry(50, "6", "deny", "0.0.0.0/0", 22, 22), entry(60, "6", "deny", "0.0.0.0/0", 3389, 3389), entry(70, "17", "deny", "0.0.0.0/0", 0, 65535), allowAll), Pass, "", 0},
		{"the default ACL", acl(true, allowAll), NotApplicable, "default", 0},
	})
}
