package controls

import "github.com/ec2guard/ec2guard/resource"

var pubSnapshotBlock = &Control{
	ID:          "EC2G-PUB-3",
	SecurityHub: "EC2.182",
	Prowler:     []string{"ec2_ebs_snapshot_account_block_public_access"},
	Title:       "Block public access settings should be enabled for Amazon EBS snapshots",
	Severity:    High,
	Rationale: "With block public access in block-all-sharing, no snapshot of the region can be shared with everyone, " +
		"whatever its permissions say. block-new-sharing still lets snapshots already public stay so, and fails.",
	Remediation: "Enable block public access for snapshots in block-all-sharing (EnableSnapshotBlockPublicAccess).",
	References: []string{shPage + "ec2-182", configRule("ebs-snapshot-block-public-access"),
		prowlerCheck("ec2_ebs_snapshot_account_block_public_access")},
	Kind:    resource.Account,
	Setting: "SnapshotBlockPublicAccessState",
	Fails: []Case{{Why: "snapshot block public access is not block-all-sharing",
		Filters: "- {attr: SnapshotBlockPublicAccessState, not-equals: block-all-sharing}\n"}},
	Pass:    "snapshot block public access blocks all sharing",
	Events:  []string{"DisableSnapshotBlockPublicAccess", "EnableSnapshotBlockPublicAccess"},
	Actions: []string{"block-public-access"},
	// the snapshots' setting, not the images' (EC2G-PUB-4)
	ActionParams: map[string]map[string]any{"block-public-access": {"for": []any{"snapshots"}}},
}
