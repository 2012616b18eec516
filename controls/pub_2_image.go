package controls

import "github.com/ec2guard/ec2guard/resource"

var pubImage = &Control{
	ID:       "EC2G-PUB-2",
	Prowler:  []string{"ec2_ami_public"},
	Title:    "Amazon Machine Images should not be public",
	Severity: Critical,
	Rationale: "A public AMI can be launched by any AWS account, with whatever its volumes hold: keys, credentials, " +
		"source code, data.",
	Remediation: "Remove the all group from the image's launch permissions (ModifyImageAttribute), unless it is meant for everyone.",
	References:  []string{prowlerCheck("ec2_ami_public")},
	Kind:        resource.Image,
	Fails:       []Case{{Why: "the image is public", Filters: "- {public: true}\n"}},
	Pass:        "the image is not public",
	Events:      []string{"ModifyImageAttribute"},
	Actions:     []string{"make-private"},
}
