package controls

import "github.com/ec2guard/ec2guard/resource"

var imdsAccount = &Control{
	ID:       "EC2G-IMDS-3",
	Prowler:  []string{"ec2_instance_account_imdsv2_enabled"},
	Title:    "EC2 instances should require IMDSv2 by default in the account",
	Severity: High,
	Rationale: "The account's instance metadata defaults apply to every launch that does not set its own options: " +
		"with HttpTokens required there, a new instance gets IMDSv2 even when its template forgets it.",
	Remediation: "Set the region's instance metadata defaults to require tokens (ModifyInstanceMetadataDefaults HttpTokens=required).",
	References:  []string{prowlerCheck("ec2_instance_account_imdsv2_enabled")},
	Kind:        resource.Account,
	Setting:     "InstanceMetadataDefaults",
	Fails: []Case{{Why: "the account's instance metadata defaults do not require IMDSv2",
		Filters: "- {attr: InstanceMetadataDefaults.HttpTokens, not-equals: required}\n"}},
	Pass:    "the account's instance metadata defaults require IMDSv2",
	Events:  []string{"ModifyInstanceMetadataDefaults"},
	Actions: []string{"require-imdsv2"},
}
