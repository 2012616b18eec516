package controls

import "testing"

func TestNetHighRisk(t *testing.T) {
	exs := []example{
		{"web", sg(perm("tcp", 443, 443, "0.0.0.0/0"), perm("tcp", 80, 80, "::/0")), Pass, "", 0},
		{"mysql from a range", sg(perm("tcp", 3306, 3306, "10.0.0.0/8")), Pass, "", 0},
		{"udp 5432", sg(perm("udp", 5432, 5432, "0.0.0.0/0")), Pass, "", 0},
		{"every protocol", sg(perm("-1", 0, 0, "0.0.0.0/0")), Fail, "high-risk", 0},
	}
	for _, p := range highRiskPorts {
		exs = append(exs, example{"tcp " + yamlValue(p), sg(perm("tcp", float64(p), float64(p), "::/0")), Fail, "", 0})
	}
	judge(t, netHighRisk, nil, exs)
}
