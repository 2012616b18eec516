package checks

import "fmt"

var policyMissing = &Check{
	ID:       "IAM-POLICY-8",
	Title:    "Attached managed policy not analysed",
	Severity: Medium,
	Scope:    ScopePrincipal,
	Rationale: "A principal holds a managed policy (or a permissions boundary) whose document the input does not contain: an " +
		"AWS managed policy a template attaches by ARN, or an authorization-details dump lists as attached without " +
		"its document, that is neither built into ec2guard nor in the --managed-policies folder; or a customer managed policy of another stack or " +
		"left out of the dump. Its grants are unknown, so the other checks judge the principal on less than " +
		"it holds: AdministratorAccess would grant everything, and nothing is reported of it.",
	Remediation: "Give iam check the policy's document: for an AWS managed policy newer than those built in, " +
		"--managed-policies DIR with one NAME.json per policy (the default version's document); for customer managed ones, check the template or the " +
		"get-account-authorization-details output that defines them together with this one.",
	References: []string{
		"https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html",
		"https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html",
	},
	Actions: []string{},
	Good: []Example{
		{Name: "every policy present", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"}]}`},
	},
	Bad: []Example{
		{Name: "AWS managed policy by ARN", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"}]}`,
			Attached: []string{"arn:aws:iam::aws:policy/AdministratorAccess"}},
	},
	principal: missing,
}

func missing(_ *Env, s *Subject) ([]Finding, error) {
	var out []Finding
	for _, m := range s.Missing {
		what := "managed policy"
		if m.Boundary {
			what = "permissions boundary"
		}
		out = append(out, Finding{
			Principal: s.Principal, Policy: m.ARN,
			Message: fmt.Sprintf("%s %s of %s is not in the input: %s is analysed without it, and may hold more than is reported", what, m.ARN, who(s), who(s)),
			Loc:     m.Loc,
		})
	}
	return out, nil
}
