package actions

import (
	"slices"
	"sort"

	"github.com/ec2guard/ec2guard/resource"
)

// Permission is what an action needs from IAM to do its work, for a deployment to grant it
// and nothing more.
type Permission struct {
	Actions []string // IAM actions
	// On lists the EC2 resource types the actions act on (instance, volume, network-interface,
	// snapshot, image); Resources lists literal ARNs instead (an SNS topic).
	On        []resource.Kind
	Resources []string
	// FilterScoped: the action acts on the very resource the rule's filters read, so the
	// filters' tag conditions (ec2:ResourceTag/...) may narrow the grant. An action that also
	// acts on other resources (tag: an instance's volumes) is not.
	FilterScoped bool
	// TagKeys are the only tag keys the action writes (aws:TagKeys); unless Overwrite, only
	// where the resource lacks them (the action adds one key a call, absent keys only).
	TagKeys   []string
	Overwrite bool
}

// ReadPermissions are the read-only calls every deployment makes: the engine reads the
// resource its filters look at, actions re-read an instance before acting, tag reads what
// a resource already carries and checks what an event claims a call created against the
// instances, volumes, snapshots and images (their creation times), stop reads stop protection. EC2's
// Describe calls do not support resource-level permissions.
var ReadPermissions = []string{"ec2:DescribeImages", "ec2:DescribeInstanceAttribute", "ec2:DescribeInstances", "ec2:DescribeSnapshots", "ec2:DescribeTags", "ec2:DescribeVolumes"}

// Permissions returns what the action with these (valid) parameters needs.
func Permissions(name string, params map[string]any) []Permission {
	switch name {
	case "start":
		return []Permission{{Actions: []string{"ec2:StartInstances"}, On: []resource.Kind{resource.Instance}, FilterScoped: true}}
	case "stop":
		acts := []string{"ec2:StopInstances"}
		if force, _ := params["force"].(bool); force {
			acts = append(acts, "ec2:ModifyInstanceAttribute") // turns DisableApiStop off first
		}
		return []Permission{{Actions: acts, On: []resource.Kind{resource.Instance}, FilterScoped: true}}
	case "protect":
		return []Permission{{Actions: []string{"ec2:ModifyInstanceAttribute"}, On: []resource.Kind{resource.Instance}, FilterScoped: true}}
	case "tag":
		var keys []string
		if m, ok := params["tags"].(map[string]any); ok {
			for k := range m {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		perms := []Permission{{
			Actions: []string{"ec2:CreateTags"},
			On:      []resource.Kind{resource.Instance, resource.Volume, resource.NetworkInterface, resource.Snapshot, resource.Image},
			TagKeys: slices.Compact(keys),
		}}
		perms[0].Overwrite, _ = params["overwrite"].(bool)
		if confirm, _ := params["confirm"].(bool); confirm {
			// LookupEvents has no resource-level permissions.
			perms = append(perms, Permission{Actions: []string{"cloudtrail:LookupEvents"}, Resources: []string{"*"}})
		}
		return perms
	case "notify":
		topic, _ := params["topic"].(string)
		return []Permission{{Actions: []string{"sns:Publish"}, Resources: []string{topic}}}
	case "tell-owner":
		// The owner map's topics are not parameters: a deployment grants them apart.
		if topic, _ := params["topic"].(string); topic != "" {
			return []Permission{{Actions: []string{"sns:Publish"}, Resources: []string{topic}}}
		}
	}
	return nil
}
