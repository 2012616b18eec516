package controls

import (
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

func TestNetSubnetAutoAssign(t *testing.T) {
	subnet := func(v4, v6 bool) *resource.Resource {
		return res(resource.Subnet, map[string]any{"MapPublicIpOnLaunch": v4, "AssignIpv6AddressOnCreation": v6})
	}
	judge(t, netSubnetAutoAssign, nil, []example{
		{"neither", subnet(false, false), Pass, "", 0},
		{"IPv4", subnet(true, false), Fail, "IPv4", 0},
		{"IPv6", subnet(false, true), Fail, "IPv6", 0},
	})
}
