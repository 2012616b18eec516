package controls

import "testing"

func TestNetAuthorizedPorts(t *testing.T) {
	judge(t, netAuthorizedPorts, nil, []example{
		{"web only", sg(perm("tcp", 80, 80, "0.0.0.0/0"), perm("tcp", 443, 443, "::/0")), Pass, "", 0},
		{"ssh", sg(perm("tcp", 443, 443, "0.0.0.0/0"), perm("tcp", 22, 22, "0.0.0.0/0")), Fail, "tcp 22 from 0.0.0.0/0", 0},
		{"a range past the authorized", sg(perm("tcp", 0, 1024, "0.0.0.0/0")), Fail, "tcp 0-1024", 0},
		{"every protocol", sg(perm("-1", 0, 0, "::/0")), Fail, "every protocol and port from ::/0", 0},
		{"udp with none authorized", sg(perm("udp", 53, 53, "0.0.0.0/0")), Fail, "udp 53", 0},
		{"nothing from the internet", sg(perm("tcp", 22, 22, "10.0.0.0/8")), NotApplicable, "lets nothing in", 0},
	})
	judge(t, netAuthorizedPorts, map[string]any{"authorized-tcp-ports": []any{22, 443}, "authorized-udp-ports": []any{53}}, []example{
		{"ssh, authorized", sg(perm("tcp", 22, 22, "0.0.0.0/0"), perm("udp", 53, 53, "0.0.0.0/0")), Pass, "", 0},
		{"web, not authorized", sg(perm("tcp", 80, 80, "0.0.0.0/0")), Fail, "tcp 80", 0},
	})
}
