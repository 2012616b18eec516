package actions

import "github.com/ec2guard/ec2guard/resource"

// SnapshotConfig is snapshot's configuration.
type SnapshotConfig struct{}

func (SnapshotConfig) Action() string { return "snapshot" }

var snapshotDef = &def{
	name: "snapshot",
	doc: "snapshot an instance's EBS volumes, or a volume, each snapshot tagged at creation with the rule " +
		"(ec2guard:rule) and its source (ec2guard:source-volume, ec2guard:source-instance); a volume the rule has a snapshot of already is skipped",
	params:      map[string]param{},
	mutates:     true,
	parse:       func(map[string]any) (Config, error) { return SnapshotConfig{}, nil },
	permissions: func(Config) []Permission { return snapshotPermissions() },
}

// snapshotPermissions are what snapshotting a volume needs, for snapshot and for the actions
// that snapshot before they destroy: CreateSnapshot on the volume and on the snapshot it makes,
// and the snapshot's tags only as it is made (ec2:CreateAction), never on one that exists.
// Not filter-scoped: an instance rule's tag filters read the instance, not its volumes.
func snapshotPermissions() []Permission {
	return []Permission{
		{Actions: []string{"ec2:CreateSnapshot"}, On: []resource.Kind{resource.Volume, resource.Snapshot}},
		{Actions: []string{"ec2:CreateTags"}, On: []resource.Kind{resource.Snapshot},
			Condition: map[string]map[string]any{"StringEquals": {"ec2:CreateAction": "CreateSnapshot"}}},
	}
}
