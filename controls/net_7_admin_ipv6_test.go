package controls

import "testing"

func TestNetAdminIPv6(t *testing.T) {
	judge(t, netAdminIPv6, nil, []example{
		{"ssh from 0.0.0.0/0 only", sg(perm("tcp", 22, 22, "0.0.0.0/0")), Pass, "", 0},
		{"ssh from ::/0", sg(perm("tcp", 22, 22, "::/0")), Fail, "::/0", 0},
		{"rdp by udp from ::/0", sg(perm("udp", 3389, 3389, "::/0")), Fail, "", 0},
		{"every protocol", sg(perm("-1", 0, 0, "::/0")), Fail, "", 0},
	})
}
