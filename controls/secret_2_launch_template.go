package controls

import "github.com/ec2guard/ec2guard/resource"

var secretLaunchTemplate = &Control{
	ID:       "EC2G-SECRET-2",
	Prowler:  []string{"ec2_launch_template_no_secrets"},
	Title:    "EC2 launch templates' user data should not contain secrets",
	Severity: High,
	Rationale: "A launch template's user data is readable by whoever may describe its versions and is copied into " +
		"every instance it launches. ec2guard reads the default and the latest version (Prowler reads every version); " +
		"the record names the detector, the line and the version, never the secret.",
	Remediation: "Create a version without the secret, make it the default, delete the versions that hold it, and rotate the secret.",
	References:  []string{prowlerCheck("ec2_launch_template_no_secrets")},
	Kind:        resource.LaunchTemplate,
	Fails:       []Case{{Why: "the user data holds a secret", Filters: "- {secrets: true}\n"}},
	Pass:        "no secret found in the user data of the default and latest versions",
	Events:      []string{"CreateLaunchTemplate", "CreateLaunchTemplateVersion"},
}
