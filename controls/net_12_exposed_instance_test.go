package controls

import (
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

func TestNetExposedInstance(t *testing.T) {
	exposed := func(public, igw bool, perms ...map[string]any) *resource.Resource {
		list := make([]any, len(perms))
		for i, p := range perms {
			list[i] = p
		}
		a := map[string]any{"Exposure": map[string]any{
			"Subnet":         map[string]any{"SubnetId": "subnet-1", "RoutesToInternetGateway": igw},
			"SecurityGroups": []any{map[string]any{"GroupId": "sg-1", "IpPermissions": list}},
		}}
		if public {
			a["PublicIpAddress"] = "198.51.100.7"
		}
		return inst(resource.Running, a)
	}
	ssh := perm("tcp", 22, 22, "0.0.0.0/0")
	judge(t, netExposedInstance, nil, []example{
		{"web", exposed(true, true, perm("tcp", 443, 443, "0.0.0.0/0")), Pass, "", 0},
		{"ssh from a range", exposed(true, true, perm("tcp", 22, 22, "203.0.113.0/24")), Pass, "", 0},
		{"ssh, public IP, public subnet", exposed(true, true, ssh), Fail, "public IP in a public subnet", Critical},
		{"ssh, public IP, private subnet", exposed(true, false, ssh), Fail, "(public IP)", High},
		{"ssh, no public IP", exposed(false, true, ssh), Fail, "no public IP", Medium},
		{"kafka from ::/0", exposed(false, false, perm("tcp", 9092, 9092, "::/0")), Fail, "", Medium},
		{"every protocol", exposed(true, true, perm("-1", 0, 0, "0.0.0.0/0")), Fail, "", Critical},
		{"terminated", inst(resource.Terminated, map[string]any{}), NotApplicable, "", 0},
	})
	judge(t, netExposedInstance, map[string]any{"ports": []any{8080}}, []example{
		{"ssh, not asked", exposed(true, true, ssh), Pass, "", 0},
		{"8080", exposed(true, true, perm("tcp", 8000, 9000, "0.0.0.0/0")), Fail, "", Critical},
	})
}
