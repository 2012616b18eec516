package controls

import "github.com/ec2guard/ec2guard/resource"

// Neither Security Hub nor Prowler has this check: AWS Config's managed rule
// ec2-volume-inuse-check and Cloud Custodian's garbage collection of unattached volumes do.
// None of them takes an age: how long a volume may stay unattached is the rule's (min-age,
// grace), as examples/destroy.yaml gives it.
var idleVolume = &Control{
	ID:       "EC2G-IDLE-3",
	Title:    "EBS volumes attached to nothing should be removed",
	Severity: Low,
	Rationale: "A volume attached to no instance is billed for its size, is no instance's data that anyone watches, " +
		"and keeps what was on it, often a terminated instance's files, readable by whoever attaches it next.",
	Remediation: "Snapshot the volume if its data may be needed, then delete it (DeleteVolume); ec2guard's " +
		"delete-volume snapshots it first unless told not to.",
	References: []string{configRule("ec2-volume-inuse-check"),
		"https://cloudcustodian.io/docs/aws/examples/ebsgarbagecollect.html",
		"https://docs.aws.amazon.com/ebs/latest/userguide/ebs-deleting-volume.html"},
	Kind:    resource.Volume,
	Fails:   []Case{{Why: "the volume is attached to nothing (available)", Filters: "- {unused: true}\n"}},
	Pass:    "the volume is attached to an instance",
	Events:  []string{"CreateVolume", "DetachVolume"},
	Actions: []string{"delete-volume"},
}
