package controls

import "github.com/ec2guard/ec2guard/resource"

var imdsInstance = &Control{
	ID:          "EC2G-IMDS-1",
	SecurityHub: "EC2.8",
	CIS:         []string{"v3.0.0 5.6", "v4.0.0 5.7", "v5.0.0 5.7", "v6.0.0 6.7"},
	Prowler:     []string{"ec2_instance_imdsv2_enabled"},
	Title:       "EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)",
	Severity:    High,
	Rationale: "IMDSv1 answers any request from the instance, so a server-side request forgery or an open proxy " +
		"hands out the instance role's credentials; IMDSv2 needs a session token first. AWS judges HttpTokens alone: " +
		"an instance whose metadata service is disabled but whose tokens are optional still fails.",
	Remediation: "Require tokens (ModifyInstanceMetadataOptions HttpTokens=required) once the instance's software uses IMDSv2.",
	References:  []string{shPage + "ec2-8", configRule("ec2-imdsv2-check"), prowlerCheck("ec2_instance_imdsv2_enabled")},
	Kind:        resource.Instance,
	Scope:       live,
	OutOfScope:  terminated,
	Fails: []Case{{Why: "the instance does not require IMDSv2 (HttpTokens is not required)",
		Filters: "- {attr: MetadataOptions.HttpTokens, not-equals: required}\n"}},
	Pass:    "the instance requires IMDSv2",
	Events:  []string{"RunInstances", "ModifyInstanceMetadataOptions"},
	Actions: []string{"require-imdsv2"},
}
