package controls

import "github.com/ec2guard/ec2guard/resource"

var netRDP = &Control{
	ID:          "EC2G-NET-3",
	SecurityHub: "EC2.14",
	CIS:         []string{"v1.2.0 4.2"},
	Prowler:     []string{"ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389"},
	Title:       "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 3389",
	Severity:    High,
	Rationale: "Remote Desktop open to the internet is a favoured way in for ransomware. A tcp permission whose " +
		"range covers 3389, or one of every protocol (-1), from 0.0.0.0/0 or ::/0 fails.",
	Remediation: "Remove the rule, or narrow its source to the ranges that need RDP; prefer Fleet Manager or a bastion.",
	References: []string{shPage + "ec2-14", configRule("restricted-common-ports"),
		prowlerCheck("ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389")},
	Kind:    resource.SecurityGroup,
	Fails:   []Case{{Why: "the group lets port 3389 in from the internet", Filters: "- {ingress: {ports: [3389], protocol: tcp}}\n"}},
	Pass:    "the group does not let port 3389 in from 0.0.0.0/0 or ::/0",
	Events:  sgEvents,
	Actions: []string{"revoke-ingress", "restrict-ingress"},
}
