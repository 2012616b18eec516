package controls

import "github.com/ec2guard/ec2guard/resource"

var encVolume = &Control{
	ID:          "EC2G-ENC-1",
	SecurityHub: "EC2.3",
	Prowler:     []string{"ec2_ebs_volume_encryption"},
	Title:       "Attached Amazon EBS volumes should be encrypted at-rest",
	Severity:    Medium,
	Rationale: "An unencrypted volume's data, and every snapshot taken of it, can be read by whoever gets hold of " +
		"the storage or a copy. Security Hub judges volumes in use: a volume attached to nothing is not subject to the control.",
	Remediation: "An existing volume cannot be encrypted in place: snapshot it, copy the snapshot with encryption, create a " +
		"volume from the copy and swap it in. Turn on EBS encryption by default (EC2.7) so new volumes are encrypted.",
	References: []string{shPage + "ec2-3", configRule("encrypted-volumes"), prowlerCheck("ec2_ebs_volume_encryption")},
	Kind:       resource.Volume,
	Scope:      "- {attr: State, equals: in-use}\n",
	OutOfScope: "the volume is not attached (Security Hub judges attached volumes only)",
	Fails:      []Case{{Why: "the attached volume is not encrypted", Filters: "- {attr: Encrypted, equals: false}\n"}},
	Pass:       "the attached volume is encrypted",
	Events:     []string{"AttachVolume", "RunInstances", "CreateVolume"},
}
