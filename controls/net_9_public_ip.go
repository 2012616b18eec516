package controls

import "github.com/ec2guard/ec2guard/resource"

var netPublicIP = &Control{
	ID:          "EC2G-NET-9",
	SecurityHub: "EC2.9",
	Prowler:     []string{"ec2_instance_public_ip"},
	Title:       "Amazon EC2 instances should not have a public IPv4 address",
	Severity:    High,
	Rationale: "An instance with a public IPv4 address is one security-group mistake away from the internet; " +
		"instances behind load balancers, NAT or endpoints need none. AWS judges the instance's PublicIpAddress " +
		"(its primary interface's), IPv4 only.",
	Remediation: "Launch into subnets that do not assign public addresses, disassociate Elastic IPs, and reach the " +
		"instance through a load balancer, NAT gateway or Session Manager.",
	References: []string{shPage + "ec2-9", configRule("ec2-instance-no-public-ip"), prowlerCheck("ec2_instance_public_ip")},
	Kind:       resource.Instance,
	Scope:      live,
	OutOfScope: terminated,
	Fails:      []Case{{Why: "the instance has a public IPv4 address", Filters: "- {attr: PublicIpAddress, present: true}\n"}},
	Pass:       "the instance has no public IPv4 address",
	Events:     []string{"RunInstances", "AssociateAddress", "DisassociateAddress", "AttachNetworkInterface", "StartInstances"},
}
