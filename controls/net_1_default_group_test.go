package controls

import (
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

func TestNetDefaultGroup(t *testing.T) {
	def := func(in, out []any) *resource.Resource {
		r := res(resource.SecurityGroup, map[string]any{"GroupName": "default", "IsDefault": true})
		if in != nil {
			r.Attrs["IpPermissions"] = in
		}
		if out != nil {
			r.Attrs["IpPermissionsEgress"] = out
		}
		return r
	}
	self := []any{map[string]any{"IpProtocol": "-1", "UserIdGroupPairs": []any{map[string]any{"GroupId": "sg-1"}}}}
	all := []any{perm("-1", 0, 0, "0.0.0.0/0")}
	judge(t, netDefaultGroup, nil, []example{
		{"closed", def(nil, []any{}), Pass, "no rules", 0},
		{"as AWS makes it", def(self, all), Fail, "inbound", 0},
		{"outbound only", def(nil, all), Fail, "outbound", 0},
		{"a prefix list in", def([]any{map[string]any{"IpProtocol": "tcp", "FromPort": 443.0, "ToPort": 443.0, "PrefixListIds": []any{map[string]any{"PrefixListId": "pl-1"}}}}, nil), Fail, "inbound", 0},
		{"another group", sg(perm("tcp", 22, 22, "0.0.0.0/0")), NotApplicable, "default", 0},
	})
}
