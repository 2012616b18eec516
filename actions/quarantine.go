package actions

import "github.com/ec2guard/ec2guard/resource"

// QuarantineConfig is quarantine's configuration.
type QuarantineConfig struct {
	Snapshot bool // snapshot the instance's volumes first (forensics)
}

func (QuarantineConfig) Action() string { return "quarantine" }

// The isolation group quarantine puts on an instance's network interfaces, one per VPC,
// found by its name or made with its tag, and the tags it leaves on the instance.
const (
	QuarantineGroupName = "ec2guard-quarantine"
	QuarantineGroupTag  = "ec2guard:quarantine"        // on the group: "isolation"
	QuarantinedTag      = "ec2guard:quarantined"       // on the instance: when (RFC 3339, UTC)
	QuarantineReasonTag = "ec2guard:quarantine-reason" // on the instance: why (the rule, the event)
)

var quarantineDef = &def{
	name: "quarantine",
	doc: "isolate the instance: every security group of every network interface replaced by the VPC's isolation group " +
		"(" + QuarantineGroupName + ": no inbound and no outbound rule, made if missing), the instance tagged with why and " +
		"when (" + QuarantinedTag + ", " + QuarantineReasonTag + "); its public IP stays",
	params: map[string]param{
		"snapshot": {kind: pBool, doc: "snapshot the instance's EBS volumes first, for forensics, tagged as snapshot tags them (default false)"},
	},
	mutates: true,
	parse: func(params map[string]any) (Config, error) {
		snap, _ := params["snapshot"].(bool)
		return QuarantineConfig{Snapshot: snap}, nil
	},
	permissions: func(cfg Config) []Permission {
		isolation := map[string]map[string]any{"StringEquals": {"ec2:ResourceTag/" + QuarantineGroupTag: "isolation"}}
		perms := []Permission{
			// The isolation group is looked for by name in the instance's VPC.
			{Actions: []string{"ec2:DescribeSecurityGroups"}, Resources: []string{"*"}},
			// Made in the VPC, tagged as it is made; its allow-all egress revoked, and only
			// its own rules: the revokes need the group's tag.
			{Actions: []string{"ec2:CreateSecurityGroup"}, On: []resource.Kind{resource.VPC, resource.SecurityGroup}},
			{Actions: []string{"ec2:CreateTags"}, On: []resource.Kind{resource.SecurityGroup},
				Condition: map[string]map[string]any{"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup"}}},
			{Actions: []string{"ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress"}, On: []resource.Kind{resource.SecurityGroup},
				Condition: isolation},
			// Any interface (and its subnet) of the instance the rule judges, but no group other
			// than the isolation group.
			{Actions: []string{"ec2:ModifyNetworkInterfaceAttribute"}, On: []resource.Kind{resource.NetworkInterface, resource.Subnet}},
			{Actions: []string{"ec2:ModifyNetworkInterfaceAttribute"}, On: []resource.Kind{resource.Instance}, FilterScoped: true},
			{Actions: []string{"ec2:ModifyNetworkInterfaceAttribute"}, On: []resource.Kind{resource.SecurityGroup}, Condition: isolation},
			{Actions: []string{"ec2:CreateTags"}, On: []resource.Kind{resource.Instance}, FilterScoped: true,
				TagKeys: []string{QuarantinedTag, QuarantineReasonTag}, Overwrite: true},
		}
		if cfg.(QuarantineConfig).Snapshot {
			perms = append(perms, snapshotPermissions()...)
		}
		return forKind(perms, resource.Instance)
	},
}
