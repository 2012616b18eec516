package checks

var stopActions = []string{"ec2:StopInstances"}

var ec2Stop = &Check{
	ID:       "IAM-EC2-7",
	Title:    "Instance stop is not scoped",
	Severity: Medium,
	Scope:    ScopePrincipal,
	Rationale: "Stopping an instance takes its workload down and, for instance-store volumes, loses data. " +
		"ec2:StopInstances on every instance without an ec2:ResourceTag or aws:ResourceTag condition lets the " +
		"principal stop instances it does not own.",
	Remediation: "Scope ec2:StopInstances with a resource tag condition (for example StringEquals " +
		"ec2:ResourceTag/Owner = ${aws:userid}) or to named instance ARNs, or remove it.",
	References: []string{
		"https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html",
		"https://aws.amazon.com/blogs/security/how-to-automatically-tag-amazon-ec2-resources-in-response-to-api-events/",
	},
	Actions: stopActions,
	Good: []Example{
		{Name: "owner tag condition", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:StopInstances","ec2:StartInstances"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Team":"web"}}}]}`},
		{Name: "start only", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StartInstances","Resource":"*"}]}`},
	},
	Bad: []Example{
		{Name: "stop anything", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"}]}`},
		{Name: "condition that scopes nothing", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`},
	},
	principal: tagScoped("IAM-EC2-7", stopActions, "stop"),
}
