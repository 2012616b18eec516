package controls

import "github.com/ec2guard/ec2guard/resource"

var idleStopped = &Control{
	ID:          "EC2G-IDLE-1",
	SecurityHub: "EC2.4",
	Prowler:     []string{"ec2_instance_stopped_older_than_specific_days"},
	Title:       "Stopped EC2 instances should be removed after a specified time period",
	Severity:    Medium,
	Rationale: "An instance left stopped keeps its volumes, addresses and an old, unpatched image that anyone may start " +
		"again; it costs storage and widens what must be kept secure. AWS takes the stop time from the instance's " +
		"StateTransitionReason, and its launch time when that says none.",
	Remediation: "Terminate the instance once you have checked that its volumes are kept or snapshotted and copied any " +
		"instance-store data.",
	References: []string{shPage + "ec2-4", prowlerCheck("ec2_instance_stopped_older_than_specific_days")},
	Kind:       resource.Instance,
	Scope:      "- {state: [stopped]}\n",
	OutOfScope: "the instance is not stopped",
	Fails: []Case{{Why: "the instance has been stopped for more than the allowed days",
		Filters: "- {stopped-for: ${param:allowed-days}d}\n"}},
	Pass:     "the instance was stopped within the allowed days",
	States:   []string{"stopped"},
	Periodic: true,
	Params: []Param{{Name: "allowed-days", AWSName: "AllowedDays", Type: ParamInt, Min: 1, Max: 365, Default: 30,
		Doc: "the days an instance may stay stopped"}},
	Actions: []string{"terminate"},
}
