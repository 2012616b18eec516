package controls

import "github.com/ec2guard/ec2guard/resource"

var netACL = &Control{
	ID:          "EC2G-NET-8",
	SecurityHub: "EC2.21",
	CIS:         []string{"v3.0.0 5.1", "v4.0.0 5.2", "v5.0.0 5.2", "v6.0.0 6.2"},
	Prowler:     []string{"ec2_networkacl_allow_ingress_tcp_port_22", "ec2_networkacl_allow_ingress_tcp_port_3389"},
	Title:       "Network ACLs should not allow ingress from 0.0.0.0/0 to port 22 or port 3389",
	Severity:    Medium,
	Rationale: "A network ACL is the subnet's own filter, in front of every security group: it should not let " +
		"administration ports in from everyone. Its inbound entries are read as the VPC reads them, in rule-number " +
		"order, the first that matches deciding (a lower deny masks a later allow), tcp and udp, from 0.0.0.0/0 or ::/0. " +
		"AWS generates no finding for a VPC's default ACL.",
	Remediation: "Replace the allowing entries with ones whose source is the ranges that need SSH or RDP, or deny the ports first.",
	References: []string{shPage + "ec2-21", configRule("nacl-no-unrestricted-ssh-rdp"),
		prowlerCheck("ec2_networkacl_allow_ingress_tcp_port_22")},
	Kind:       resource.NetworkACL,
	Scope:      "- {attr: IsDefault, equals: false}\n",
	OutOfScope: "a VPC's default network ACL (AWS generates no finding for it)",
	Fails: []Case{{Why: "the network ACL lets port 22 or 3389 in from the internet",
		Filters: "- {acl-ingress: {ports: [22, 3389]}}\n"}},
	Pass:   "the network ACL lets neither 22 nor 3389 in from the internet",
	Events: []string{"CreateNetworkAclEntry", "ReplaceNetworkAclEntry", "DeleteNetworkAclEntry", "CreateNetworkAcl"},
}
