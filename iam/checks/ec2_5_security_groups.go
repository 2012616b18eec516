package checks

var securityGroupActions = []string{
	"ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "ec2:ApplySecurityGroupsToClientVpnTargetNetwork",
	"ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress",
	"ec2:UpdateSecurityGroupRuleDescriptionsEgress", "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
}

var ec2SecurityGroups = &Check{
	ID:       "IAM-EC2-5",
	Title:    "Security groups can be managed outside the authorized principals",
	Severity: High,
	Scope:    ScopePrincipal,
	Rationale: "A security group is the virtual firewall of an instance. A principal that may create, delete or change " +
		"security group rules can open instances to the internet. Only the authorized (provisioning) principals " +
		"should hold these actions; any grant to someone else counts.",
	Remediation: "Remove the security-group actions from unauthorized principals and list the authorized ones in the " +
		"configuration file (provisioning: [ARN or name patterns]).",
	References: []string{
		"https://docs.aws.amazon.com/vpc/latest/userguide/VPC_SecurityGroups.html",
	},
	Actions: securityGroupActions,
	Good: []Example{
		{Name: "describe only", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeSecurityGroups","Resource":"*"}]}`},
		{Name: "denied", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":["ec2:*SecurityGroup*"],"Resource":"*"}]}`},
	},
	Bad: []Example{
		{Name: "open ingress", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:AuthorizeSecurityGroupIngress","Resource":"*"}]}`},
		{Name: "mixed case wildcard", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"EC2:*securitygroup*","Resource":"arn:aws:ec2:*:*:security-group/*"}]}`},
	},
	principal: reservedFor("sg", securityGroupActions, "manage security groups"),
}
