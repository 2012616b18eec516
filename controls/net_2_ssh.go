package controls

import "github.com/ec2guard/ec2guard/resource"

var netSSH = &Control{
	ID:          "EC2G-NET-2",
	SecurityHub: "EC2.13",
	CIS:         []string{"v1.2.0 4.1"},
	Prowler:     []string{"ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22"},
	Title:       "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22",
	Severity:    High,
	Rationale: "SSH open to the whole internet is found by scanners within minutes and brute-forced from then on. A " +
		"tcp permission whose range covers 22, or one of every protocol (-1), from 0.0.0.0/0 or ::/0 fails; a narrower " +
		"range, a prefix list or a referenced group does not.",
	Remediation: "Remove the rule, or narrow its source to the ranges that need SSH; prefer Session Manager to an open port.",
	References: []string{shPage + "ec2-13", configRule("restricted-ssh"),
		prowlerCheck("ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22")},
	Kind:    resource.SecurityGroup,
	Fails:   []Case{{Why: "the group lets port 22 in from the internet", Filters: "- {ingress: {ports: [22], protocol: tcp}}\n"}},
	Pass:    "the group does not let port 22 in from 0.0.0.0/0 or ::/0",
	Events:  sgEvents,
	Actions: []string{"revoke-ingress", "restrict-ingress"},
}
