package controls

import "github.com/ec2guard/ec2guard/resource"

var secretUserData = &Control{
	ID:       "EC2G-SECRET-1",
	Prowler:  []string{"ec2_instance_secrets_user_data"},
	Title:    "EC2 instances' user data should not contain secrets",
	Severity: High,
	Rationale: "User data is readable by anyone who may describe the instance's attributes and by every process on " +
		"the instance through the metadata service, and it is kept for the instance's life. The detectors look for " +
		"AWS secret keys and session tokens, private keys, passwords and API keys; the record names the detector " +
		"and the line, never the secret.",
	Remediation: "Move the secret to Secrets Manager or Parameter Store and read it at boot with the instance role; " +
		"rotate the secret, which must be taken as known.",
	References: []string{prowlerCheck("ec2_instance_secrets_user_data")},
	Kind:       resource.Instance,
	Scope:      live,
	OutOfScope: terminated,
	Fails:      []Case{{Why: "the user data holds a secret", Filters: "- {secrets: true}\n"}},
	Pass:       "no secret found in the user data",
	Events:     []string{"RunInstances", "ModifyInstanceAttribute"},
}
