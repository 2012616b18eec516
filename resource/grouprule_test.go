package resource

import (
	"slices"
	"testing"
)

// A group's permissions flatten into one rule per peer, ingress then egress, with ports only
// where the permission has them.
func TestGroupRules(t *testing.T) {
	attrs := map[string]any{
		"GroupId": "sg-1",
		"IpPermissions": []any{
			map[string]any{"IpProtocol": "tcp", "FromPort": 22.0, "ToPort": 22.0,
				"IpRanges":   []any{map[string]any{"CidrIp": "0.0.0.0/0"}, map[string]any{"CidrIp": "10.0.0.0/8", "Description": "office"}},
				"Ipv6Ranges": []any{map[string]any{"CidrIpv6": "::/0"}}},
			map[string]any{"IpProtocol": "icmp", "FromPort": 8.0, "ToPort": -1.0, "PrefixListIds": []any{map[string]any{"PrefixListId": "pl-1"}}},
			map[string]any{"IpProtocol": "-1", "UserIdGroupPairs": []any{map[string]any{"GroupId": "sg-2", "UserId": "111122223333"}}},
		},
		"IpPermissionsEgress": []any{map[string]any{"IpProtocol": "-1", "IpRanges": []any{map[string]any{"CidrIp": "0.0.0.0/0"}}}},
	}
	var got []string
	for _, r := range GroupRules(attrs) {
		got = append(got, r.String())
	}
	want := []string{
		"sg-1 ingress tcp 22 from 0.0.0.0/0", "sg-1 ingress tcp 22 from 10.0.0.0/8", "sg-1 ingress tcp 22 from ::/0",
		"sg-1 ingress icmp type 8 code -1 from pl-1", "sg-1 ingress all traffic from 111122223333/sg-2",
		"sg-1 egress all traffic to 0.0.0.0/0",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("GroupRules =\n%q\nwant\n%q", got, want)
	}
	rules := GroupRules(attrs)
	if rules[1].Description != "office" || !rules[2].IPv6() || rules[0].IPv6() || rules[0].Key() == rules[1].Key() {
		t.Errorf("descriptions, families or keys wrong: %+v", rules[:3])
	}
}
