package controls

import "testing"

func TestNetRDP(t *testing.T) {
	judge(t, netRDP, nil, []example{
		{"rdp from a range", sg(perm("tcp", 3389, 3389, "10.0.0.0/8")), Pass, "", 0},
		{"rdp from 0.0.0.0/0", sg(perm("tcp", 3389, 3389, "0.0.0.0/0")), Fail, "3389", 0},
		{"rdp from ::/0", sg(perm("6", 3000, 4000, "::/0")), Fail, "", 0},
		{"every protocol", sg(perm("-1", 0, 0, "::/0")), Fail, "", 0},
	})
}
