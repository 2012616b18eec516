package controls

import "github.com/ec2guard/ec2guard/resource"

var pubSnapshot = &Control{
	ID:          "EC2G-PUB-1",
	SecurityHub: "EC2.1",
	Prowler:     []string{"ec2_ebs_public_snapshot"},
	Title:       "Amazon EBS snapshots should not be configured to be publicly restorable",
	Severity:    Critical,
	Rationale: "Anyone can create a volume from a public snapshot and read everything on it. AWS reports the account " +
		"(it fails while any snapshot is restorable by all); ec2guard reports each snapshot, so the account fails " +
		"exactly when one of its snapshots does. Block public access does not change a snapshot's permissions: " +
		"a public snapshot fails even when sharing is blocked (EC2.182 is that setting).",
	Remediation: "Remove the all group from the snapshot's createVolumePermission (ModifySnapshotAttribute).",
	References:  []string{shPage + "ec2-1", configRule("ebs-snapshot-public-restorable-check"), prowlerCheck("ec2_ebs_public_snapshot")},
	Kind:        resource.Snapshot,
	Fails:       []Case{{Why: "the snapshot is restorable by everyone", Filters: "- {public: true}\n"}},
	Pass:        "the snapshot is not public",
	Events:      []string{"ModifySnapshotAttribute"},
	Actions:     []string{"make-private"},
}
