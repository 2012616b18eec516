package actions

import "github.com/ec2guard/ec2guard/resource"

// TerminateConfig is terminate's configuration.
type TerminateConfig struct {
	Force    bool // turn DisableApiTermination off first
	Snapshot bool // snapshot the instance's volumes first
}

func (TerminateConfig) Action() string { return "terminate" }

var terminateDef = &def{
	name: "terminate",
	doc: "terminate the instance (needs confirm-destroy: true in the rule); one with termination protection " +
		"(DisableApiTermination, as read now) is refused, not touched, unless force",
	params: map[string]param{
		"force":    {kind: pBool, doc: "turn DisableApiTermination off first instead of refusing the instance"},
		"snapshot": {kind: pBool, doc: "snapshot the instance's EBS volumes first, tagged as snapshot tags them (default false)"},
	},
	mutates:  true,
	destroys: true,
	actsIn:   []resource.State{resource.Pending, resource.Running, resource.Stopping, resource.Stopped},
	drives:   []resource.State{resource.ShuttingDown, resource.Terminated},
	parse: func(params map[string]any) (Config, error) {
		force, _ := params["force"].(bool)
		snap, _ := params["snapshot"].(bool)
		return TerminateConfig{Force: force, Snapshot: snap}, nil
	},
	permissions: func(cfg Config) []Permission {
		c := cfg.(TerminateConfig)
		acts := []string{"ec2:TerminateInstances"}
		if c.Force {
			acts = append(acts, "ec2:ModifyInstanceAttribute") // turns DisableApiTermination off first
		}
		perms := []Permission{{Actions: acts, On: []resource.Kind{resource.Instance}, FilterScoped: true, For: resource.Instance}}
		if c.Snapshot {
			perms = append(perms, forKind(snapshotPermissions(), resource.Instance)...)
		}
		return perms
	},
}

// forKind grants the permissions only to a rule judging kind.
func forKind(perms []Permission, kind resource.Kind) []Permission {
	for i := range perms {
		perms[i].For = kind
	}
	return perms
}
