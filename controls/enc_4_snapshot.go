package controls

import "github.com/ec2guard/ec2guard/resource"

var encSnapshot = &Control{
	ID:       "EC2G-ENC-4",
	Prowler:  []string{"ec2_ebs_snapshots_encrypted"},
	Title:    "Amazon EBS snapshots should be encrypted",
	Severity: High,
	Rationale: "An unencrypted snapshot holds a volume's data in the clear, and every volume restored from it is " +
		"unencrypted too; it can be shared or copied to another account as it is.",
	Remediation: "Copy the snapshot with encryption (CopySnapshot Encrypted=true), then delete the original. Turn on EBS " +
		"encryption by default so new snapshots of new volumes are encrypted.",
	References: []string{prowlerCheck("ec2_ebs_snapshots_encrypted")},
	Kind:       resource.Snapshot,
	Fails:      []Case{{Why: "the snapshot is not encrypted", Filters: "- {attr: Encrypted, equals: false}\n"}},
	Pass:       "the snapshot is encrypted",
	Events:     []string{"CreateSnapshot", "CreateSnapshots", "CopySnapshot", "CreateImage"},
}
