package controls

import (
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

func TestNetPublicIP(t *testing.T) {
	judge(t, netPublicIP, nil, []example{
		{"private", inst(resource.Running, map[string]any{"PrivateIpAddress": "10.0.0.5"}), Pass, "", 0},
		{"IPv6 only", inst(resource.Running, map[string]any{"Ipv6Address": "2600:1f18::1"}), Pass, "", 0},
		{"public", inst(resource.Running, map[string]any{"PublicIpAddress": "198.51.100.7"}), Fail, "public IPv4", 0},
		{"terminated", inst(resource.Terminated, map[string]any{"PublicIpAddress": "198.51.100.7"}), NotApplicable, "", 0},
	})
}
