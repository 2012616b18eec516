package checks

var terminateActions = []string{"ec2:TerminateInstances"}

var ec2Terminate = &Check{
	ID:       "IAM-EC2-1",
	Title:    "Instance termination is not scoped",
	Severity: High,
	Scope:    ScopePrincipal,
	Rationale: "Outside infrastructure-as-code pipelines nobody should be able to delete production instances. " +
		"ec2:TerminateInstances granted on every instance (Resource \"*\" or an instance ARN with a wildcard id) " +
		"without an ec2:ResourceTag or aws:ResourceTag condition lets the principal terminate instances it does not own.",
	Remediation: "Remove ec2:TerminateInstances from principals that do not need it, or scope it with a resource tag " +
		"condition (for example StringEquals ec2:ResourceTag/Owner = ${aws:userid}) or to named instance ARNs.",
	References: []string{
		"https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html",
		"https://docs.aws.amazon.com/IAM/latest/UserGuide/access_tags.html",
	},
	Actions: terminateActions,
	Good: []Example{
		{Name: "owner tag condition", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"StringEquals":{"ec2:ResourceTag/Owner":"${aws:userid}"}}}]}`},
		{Name: "named instances", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0"}]}`},
		{Name: "explicit deny", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"},{"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*"}]}`},
	},
	Bad: []Example{
		{Name: "terminate anything", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*"}]}`},
		{Name: "wildcard action on instance ARNs", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Terminate*","Resource":"arn:aws:ec2:*:*:instance/*"}]}`},
	},
	principal: tagScoped("IAM-EC2-1", terminateActions, "terminate"),
}
