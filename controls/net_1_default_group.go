package controls

import "github.com/ec2guard/ec2guard/resource"

var netDefaultGroup = &Control{
	ID:          "EC2G-NET-1",
	SecurityHub: "EC2.2",
	CIS:         []string{"v3.0.0 5.4", "v4.0.0 5.5", "v5.0.0 5.5", "v6.0.0 6.5"},
	Prowler:     []string{"ec2_securitygroup_default_restrict_traffic"},
	Title:       "VPC default security groups should not allow inbound or outbound traffic",
	Severity:    High,
	Rationale: "Whatever is launched without a group lands in the VPC's default group; with no rules it can talk to " +
		"nothing, which forces every resource onto a group made for it. AWS creates the default group with " +
		"inbound from itself and outbound to everywhere, so a new VPC fails until they are removed: any rule fails.",
	Remediation: "Move resources to least-privilege groups, then remove every inbound and outbound rule of the default group.",
	References: []string{shPage + "ec2-2", configRule("vpc-default-security-group-closed"),
		prowlerCheck("ec2_securitygroup_default_restrict_traffic")},
	Kind:       resource.SecurityGroup,
	Scope:      "- {attr: IsDefault, equals: true}\n",
	OutOfScope: "not a VPC's default security group",
	Fails: []Case{
		{Why: "the default security group has inbound rules", Filters: "- {attr: 'IpPermissions[].IpProtocol', present: true}\n"},
		{Why: "the default security group has outbound rules", Filters: "- {attr: 'IpPermissionsEgress[].IpProtocol', present: true}\n"},
	},
	Pass: "the default security group has no rules",
	Events: []string{"AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "ModifySecurityGroupRules",
		"RevokeSecurityGroupIngress", "RevokeSecurityGroupEgress", "CreateVpc", "CreateDefaultVpc"},
	Actions: []string{"revoke-ingress"},
}
