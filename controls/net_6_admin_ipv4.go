package controls

import "github.com/ec2guard/ec2guard/resource"

var netAdminIPv4 = &Control{
	ID:          "EC2G-NET-6",
	SecurityHub: "EC2.53",
	CIS:         []string{"v3.0.0 5.2", "v4.0.0 5.3", "v5.0.0 5.3", "v6.0.0 6.3"},
	Prowler: []string{"ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22",
		"ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389", "ec2_securitygroup_allow_ingress_from_internet_to_all_ports"},
	Title:    "EC2 security groups should not allow ingress from 0.0.0.0/0 to remote server administration ports",
	Severity: High,
	Rationale: "SSH and RDP open to every IPv4 address let anyone try to log in. The Config rule judges tcp, udp and " +
		"every-protocol permissions on 22 and 3389 from 0.0.0.0/0 alone (EC2.54 judges ::/0).",
	Remediation: "Remove the 0.0.0.0/0 source from the rules on ports 22 and 3389, or narrow it.",
	References:  []string{shPage + "ec2-53", configRule("vpc-sg-port-restriction-check")},
	Kind:        resource.SecurityGroup,
	Fails: []Case{{Why: "the group lets port 22 or 3389 in from 0.0.0.0/0",
		Filters: "- {ingress: {ports: [22, 3389], from: internet-ipv4}}\n"}},
	Pass:    "the group lets neither 22 nor 3389 in from 0.0.0.0/0",
	Events:  sgEvents,
	Actions: []string{"revoke-ingress", "restrict-ingress"},
}
