package controls

import "testing"

func TestNetSSH(t *testing.T) {
	judge(t, netSSH, nil, []example{
		{"ssh from a range", sg(perm("tcp", 22, 22, "203.0.113.0/24")), Pass, "", 0},
		{"web from the internet", sg(perm("tcp", 443, 443, "0.0.0.0/0")), Pass, "", 0},
		{"ssh from 0.0.0.0/0", sg(perm("tcp", 22, 22, "0.0.0.0/0")), Fail, "port 22", 0},
		{"ssh from ::/0", sg(perm("tcp", 22, 22, "::/0")), Fail, "", 0},
		{"a range covering 22", sg(perm("tcp", 0, 1024, "0.0.0.0/0")), Fail, "", 0},
		{"every protocol", sg(perm("-1", 0, 0, "0.0.0.0/0")), Fail, "", 0},
		{"udp 22", sg(perm("udp", 22, 22, "0.0.0.0/0")), Pass, "", 0},
	})
}
