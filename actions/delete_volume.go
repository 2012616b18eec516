package actions

import "github.com/ec2guard/ec2guard/resource"

// DeleteVolumeConfig is delete-volume's configuration.
type DeleteVolumeConfig struct {
	Snapshot bool // snapshot the volume first (default)
}

func (DeleteVolumeConfig) Action() string { return "delete-volume" }

var deleteVolumeDef = &def{
	name: "delete-volume",
	doc: "delete an EBS volume attached to nothing (available, as read now), snapshotted first unless snapshot: false " +
		"(needs confirm-destroy: true in the rule)",
	params: map[string]param{
		"snapshot": {kind: pBool, doc: "snapshot the volume first, tagged as snapshot tags them (default true; false deletes it with no copy)"},
	},
	mutates:  true,
	destroys: true,
	parse: func(params map[string]any) (Config, error) {
		snap, ok := params["snapshot"].(bool)
		return DeleteVolumeConfig{Snapshot: snap || !ok}, nil
	},
	permissions: func(cfg Config) []Permission {
		perms := []Permission{{Actions: []string{"ec2:DeleteVolume"}, On: []resource.Kind{resource.Volume}, FilterScoped: true, For: resource.Volume}}
		if cfg.(DeleteVolumeConfig).Snapshot {
			perms = append(perms, forKind(snapshotPermissions(), resource.Volume)...)
		}
		return perms
	},
}
