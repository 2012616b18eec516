package controls

import "github.com/ec2guard/ec2guard/resource"

var netSubnetAutoAssign = &Control{
	ID:          "EC2G-NET-10",
	SecurityHub: "EC2.15",
	Prowler:     []string{"vpc_subnet_no_public_ip_by_default"},
	Title:       "Amazon EC2 subnets should not automatically assign public IP addresses",
	Severity:    Medium,
	Rationale: "A subnet that gives every new interface a public address puts each instance launched there on the " +
		"internet unless its launch says otherwise. AWS fails both IPv4 (MapPublicIpOnLaunch) and IPv6 " +
		"(AssignIpv6AddressOnCreation) auto-assignment; default subnets fail.",
	Remediation: "Turn off auto-assignment of public IPv4 and IPv6 addresses in the subnet's settings (ModifySubnetAttribute).",
	References: []string{shPage + "ec2-15", configRule("subnet-auto-assign-public-ip-disabled"),
		"https://github.com/prowler-cloud/prowler/tree/master/prowler/providers/aws/services/vpc/vpc_subnet_no_public_ip_by_default"},
	Kind: resource.Subnet,
	Fails: []Case{
		{Why: "the subnet assigns public IPv4 addresses on launch", Filters: "- {attr: MapPublicIpOnLaunch, equals: true}\n"},
		{Why: "the subnet assigns IPv6 addresses on creation", Filters: "- {attr: AssignIpv6AddressOnCreation, equals: true}\n"},
	},
	Pass:   "the subnet assigns no public addresses",
	Events: []string{"CreateSubnet", "CreateDefaultSubnet", "CreateDefaultVpc", "ModifySubnetAttribute"},
}
