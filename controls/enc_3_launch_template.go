package controls

import "github.com/ec2guard/ec2guard/resource"

var encLaunchTemplate = &Control{
	ID:          "EC2G-ENC-3",
	SecurityHub: "EC2.181",
	Title:       "EC2 launch templates should enable encryption for attached EBS volumes",
	Severity:    Medium,
	Rationale: "A launch template that sets Encrypted to false on a volume launches instances with unencrypted storage " +
		"every time it is used. AWS judges only what the template says explicitly, not what the account default, " +
		"the AMI or a snapshot would give; ec2guard judges the default version, the one launches use unless told otherwise.",
	Remediation: "Create a template version whose block device mappings set Encrypted to true, and make it the default.",
	References:  []string{shPage + "ec2-181", configRule("ec2-launch-templates-ebs-volume-encrypted")},
	Kind:        resource.LaunchTemplate,
	Fails: []Case{{Why: "the default version sets Encrypted to false on an EBS volume",
		Filters: "- {attr: 'DefaultVersion.LaunchTemplateData.BlockDeviceMappings[].Ebs.Encrypted', equals: false}\n"}},
	Pass:   "the default version sets no EBS volume unencrypted",
	Events: launchTemplateEvents,
}
