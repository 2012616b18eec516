package actions

import "github.com/ec2guard/ec2guard/resource"

// MakePrivateConfig is make-private's configuration.
type MakePrivateConfig struct{}

func (MakePrivateConfig) Action() string { return "make-private" }

var makePrivateDef = &def{
	name: "make-private",
	doc: "stop sharing a snapshot (createVolumePermission) or an image (launchPermission) with everyone: the group all is " +
		"removed, the accounts it is shared with keep their permission",
	params:  map[string]param{},
	mutates: true,
	parse:   func(map[string]any) (Config, error) { return MakePrivateConfig{}, nil },
	permissions: func(Config) []Permission {
		return []Permission{
			{Actions: []string{"ec2:ModifySnapshotAttribute"}, On: []resource.Kind{resource.Snapshot}, FilterScoped: true, For: resource.Snapshot},
			// ModifyImageAttribute may share an image too: only on an image that is public now.
			{Actions: []string{"ec2:ModifyImageAttribute"}, On: []resource.Kind{resource.Image}, FilterScoped: true, For: resource.Image,
				Condition: map[string]map[string]any{"Bool": {"ec2:Public": "true"}}},
		}
	},
}
