package controls

import "testing"

func TestNetAdminIPv4(t *testing.T) {
	judge(t, netAdminIPv4, nil, []example{
		{"ssh from ::/0 only", sg(perm("tcp", 22, 22, "::/0")), Pass, "", 0},
		{"ssh from a range", sg(perm("tcp", 22, 22, "198.51.100.0/24")), Pass, "", 0},
		{"ssh from 0.0.0.0/0", sg(perm("tcp", 22, 22, "0.0.0.0/0")), Fail, "0.0.0.0/0", 0},
		{"rdp by udp", sg(perm("udp", 3389, 3389, "0.0.0.0/0")), Fail, "", 0},
		{"every protocol", sg(perm("-1", 0, 0, "0.0.0.0/0")), Fail, "", 0},
		{"icmp", sg(perm("icmp", -1, -1, "0.0.0.0/0")), Pass, "", 0},
	})
}
