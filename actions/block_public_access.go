package actions

import (
	"errors"
	"slices"

	"github.com/ec2guard/ec2guard/resource"
)

// BlockPublicAccessConfig is block-public-access's configuration.
type BlockPublicAccessConfig struct {
	Snapshots, Images bool
	SnapshotState     string // block-all-sharing or block-new-sharing
}

func (BlockPublicAccessConfig) Action() string { return "block-public-access" }

// The states of block public access for snapshots the action may set.
const (
	BlockAllSharing = "block-all-sharing"
	BlockNewSharing = "block-new-sharing"
)

var blockPublicAccessDef = &def{
	name: "block-public-access",
	doc: "turn on block public access in the account's region, for snapshots (EnableSnapshotBlockPublicAccess) and/or " +
		"images (EnableImageBlockPublicAccess, block-new-sharing)",
	params: map[string]param{
		"for": {kind: pOther, valid: someOf("snapshots", "images"), doc: "what to block: [snapshots, images] (default: " +
			"the control's setting in a control entry, both in a rule)"},
		"state": {kind: pOther, valid: oneOf(BlockAllSharing, BlockNewSharing), doc: "the snapshots' state: block-all-sharing " +
			"(default; EC2.182 passes only with it) or block-new-sharing (snapshots public now stay so)"},
	},
	mutates: true,
	parse: func(params map[string]any) (Config, error) {
		c := BlockPublicAccessConfig{Snapshots: true, Images: true, SnapshotState: BlockAllSharing}
		if v, ok := params["for"]; ok {
			parts := stringsOf(v)
			c.Snapshots, c.Images = slices.Contains(parts, "snapshots"), slices.Contains(parts, "images")
		}
		if s, ok := params["state"].(string); ok {
			if !c.Snapshots {
				return nil, errors.New("state is the snapshots' block public access, and for does not name snapshots")
			}
			c.SnapshotState = s
		}
		return c, nil
	},
	permissions: func(cfg Config) []Permission {
		c := cfg.(BlockPublicAccessConfig)
		var acts []string
		if c.Images {
			acts = append(acts, "ec2:EnableImageBlockPublicAccess")
		}
		if c.Snapshots {
			acts = append(acts, "ec2:EnableSnapshotBlockPublicAccess")
		}
		// Neither call has a resource-level permission.
		return []Permission{{Actions: acts, Resources: []string{"*"}, For: resource.Account}}
	},
}
