package controls

import "github.com/ec2guard/ec2guard/resource"

var imdsLaunchTemplate = &Control{
	ID:          "EC2G-IMDS-2",
	SecurityHub: "EC2.170",
	Prowler:     []string{"ec2_launch_template_imdsv2_required"},
	Title:       "EC2 launch templates should use Instance Metadata Service Version 2 (IMDSv2)",
	Severity:    Low,
	Rationale: "Every instance a template launches inherits its metadata options. The Config rule judges the default " +
		"version and fails it unless IMDSv2 is specified: a version without MetadataOptions fails too.",
	Remediation: "Create a template version with MetadataOptions HttpTokens=required and make it the default.",
	References: []string{shPage + "ec2-170", configRule("ec2-launch-template-imdsv2-check"),
		prowlerCheck("ec2_launch_template_imdsv2_required")},
	Kind: resource.LaunchTemplate,
	Fails: []Case{{Why: "the default version does not require IMDSv2 (HttpTokens is not required)",
		Filters: "- {attr: DefaultVersion.LaunchTemplateData.MetadataOptions.HttpTokens, not-equals: required}\n"}},
	Pass:    "the default version requires IMDSv2",
	Events:  launchTemplateEvents,
	Actions: []string{"require-imdsv2"},
}
