package actions

import (
	"fmt"
	"slices"
	"sort"

	"github.com/ec2guard/ec2guard/resource"
)

// TagConfig is tag's configuration.
type TagConfig struct {
	Tags      map[string]Template // key → value template
	Overwrite bool
	Confirm   bool // confirm the call with CloudTrail's event history
}

func (TagConfig) Action() string { return "tag" }

var tagDef = &def{
	name: "tag",
	doc:  "tag what the event created (an instance's volumes and network interfaces too)",
	params: map[string]param{
		"tags":      {kind: pStringMap, required: true, template: true, doc: "tag keys and value templates ({{.UserName}}, {{.PrincipalID}}, ...)"},
		"overwrite": {kind: pBool, doc: "replace tags that already exist"},
		"confirm":   {kind: pBool, doc: "confirm the call by its eventID with CloudTrail's event history (cloudtrail:LookupEvents) before tagging"},
	},
	mutates:   true,
	needsCall: true,
	parse: func(params map[string]any) (Config, error) {
		c := TagConfig{Tags: map[string]Template{}}
		c.Overwrite, _ = params["overwrite"].(bool)
		c.Confirm, _ = params["confirm"].(bool)
		for k, v := range params["tags"].(map[string]any) {
			tpl, err := ParseTemplate(v.(string))
			if err != nil {
				return nil, fmt.Errorf("tag %q: %w", k, err)
			}
			c.Tags[k] = tpl
		}
		return c, nil
	},
	permissions: func(cfg Config) []Permission {
		c := cfg.(TagConfig)
		keys := make([]string, 0, len(c.Tags))
		for k := range c.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		perms := []Permission{{
			Actions:   []string{"ec2:CreateTags"},
			On:        []resource.Kind{resource.Instance, resource.Volume, resource.NetworkInterface, resource.Snapshot, resource.Image},
			TagKeys:   slices.Compact(keys),
			Overwrite: c.Overwrite,
		}}
		if c.Confirm {
			// LookupEvents has no resource-level permissions.
			perms = append(perms, Permission{Actions: []string{"cloudtrail:LookupEvents"}, Resources: []string{"*"}})
		}
		return perms
	},
}
