package controls

import "github.com/ec2guard/ec2guard/resource"

var pubImageBlock = &Control{
	ID:       "EC2G-PUB-4",
	Prowler:  []string{"ec2_ami_account_block_public_access"},
	Title:    "Block public access should be enabled for AMIs",
	Severity: Medium,
	Rationale: "With image block public access on (block-new-sharing), no AMI of the region can be made public; " +
		"images public already stay so.",
	Remediation: "Enable block public access for AMIs (EnableImageBlockPublicAccess block-new-sharing).",
	References:  []string{prowlerCheck("ec2_ami_account_block_public_access")},
	Kind:        resource.Account,
	Setting:     "ImageBlockPublicAccessState",
	Fails: []Case{{Why: "AMI block public access is off",
		Filters: "- {attr: ImageBlockPublicAccessState, not-equals: block-new-sharing}\n"}},
	Pass:    "AMI block public access is on",
	Events:  []string{"DisableImageBlockPublicAccess", "EnableImageBlockPublicAccess"},
	Actions: []string{"block-public-access"},
	// the images' setting, not the snapshots' (EC2.182)
	ActionParams: map[string]map[string]any{"block-public-access": {"for": []any{"images"}}},
}
