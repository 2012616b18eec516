package checks

var modifyAttributeActions = []string{"ec2:ModifyInstanceAttribute"}

var ec2ModifyAttribute = &Check{
	ID:       "IAM-EC2-8",
	Title:    "Instance attribute changes are not scoped",
	Severity: High,
	Scope:    ScopePrincipal,
	Rationale: "ec2:ModifyInstanceAttribute turns stop and termination protection off (DisableApiStop, " +
		"DisableApiTermination), changes the instance type, user data and security groups. Granted on every " +
		"instance without a resource tag condition it undoes the protections that guard production instances.",
	Remediation: "Scope ec2:ModifyInstanceAttribute with an ec2:ResourceTag or aws:ResourceTag condition or to named " +
		"instance ARNs, or remove it from principals that do not manage instances.",
	References: []string{
		"https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/terminating-instances.html#Using_ChangingDisableAPITermination",
		"https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html",
	},
	Actions: modifyAttributeActions,
	Good: []Example{
		{Name: "tagged instances only", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:ModifyInstanceAttribute","Resource":"arn:aws:ec2:*:*:instance/*","Condition":{"StringEquals":{"ec2:ResourceTag/Environment":"dev"}}}]}`},
		{Name: "denied except with tag", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"},{"Effect":"Deny","Action":"ec2:ModifyInstanceAttribute","Resource":"*","Condition":{"StringNotEquals":{"ec2:ResourceTag/Owner":"${aws:userid}"}}}]}`},
	},
	Bad: []Example{
		{Name: "every instance", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:ModifyInstanceAttribute","Resource":"*"}]}`},
		{Name: "NotAction grants it", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`},
	},
	principal: tagScoped("IAM-EC2-8", modifyAttributeActions, "change the attributes (stop and termination protection included) of"),
}
