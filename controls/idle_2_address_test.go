package controls

import (
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

func TestIdleAddress(t *testing.T) {
	judge(t, idleAddress, nil, []example{
		{"associated", res(resource.Address, map[string]any{"AllocationId": "eipalloc-1", "AssociationId": "eipassoc-1", "InstanceId": "i-1"}), Pass, "", 0},
		{"unassociated", res(resource.Address, map[string]any{"AllocationId": "eipalloc-1", "PublicIp": "198.51.100.7"}), Fail, "associated with nothing", 0},
	})
}
