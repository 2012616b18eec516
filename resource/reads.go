package resource

import (
	"slices"
)

// The IAM actions a read calls: what awsapi's Get (one resource, the engine's Inventory) and
// List (a place's resources page by page, scan) of a kind call for its Describe and for each
// need the kind can fetch. deploy grants a rule file exactly these for the kinds its rules
// judge and the needs of their filters; a test holds every action to IAM's catalog, and
// another holds awsapi's calls to the table. EC2's Describe and Get calls take no
// resource-level permissions: the grant is on "*". (GetCallerIdentity, which reading an
// account's own settings may ask, needs no permission.)
var readActions = map[Kind]map[Needs][]string{
	Instance: {
		NeedDescribe:   {"ec2:DescribeInstances"},
		NeedUserData:   {"ec2:DescribeInstanceAttribute"},
		NeedProtection: {"ec2:DescribeInstanceAttribute"},
		NeedExposure:   {"ec2:DescribeSubnets", "ec2:DescribeRouteTables", "ec2:DescribeNetworkAcls", "ec2:DescribeSecurityGroups"},
	},
	SecurityGroup: {
		NeedDescribe: {"ec2:DescribeSecurityGroups"},
		NeedUsage:    {"ec2:DescribeNetworkInterfaces"},
	},
	Volume: {NeedDescribe: {"ec2:DescribeVolumes"}},
	Snapshot: {
		NeedDescribe: {"ec2:DescribeSnapshots"},
		// One snapshot's Public comes from its createVolumePermission; a list's from one
		// DescribeSnapshots RestorableByUserIds=all.
		NeedSharing:     {"ec2:DescribeSnapshotAttribute"},
		NeedPermissions: {"ec2:DescribeSnapshotAttribute"},
	},
	Image: {
		NeedDescribe:    {"ec2:DescribeImages"},
		NeedPermissions: {"ec2:DescribeImageAttribute"},
	},
	Address:        {NeedDescribe: {"ec2:DescribeAddresses"}},
	LaunchTemplate: {NeedDescribe: {"ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions"}},
	Subnet:         {NeedDescribe: {"ec2:DescribeSubnets", "ec2:DescribeRouteTables"}},
	NetworkACL:     {NeedDescribe: {"ec2:DescribeNetworkAcls"}},
	Account: {NeedDescribe: {"ec2:GetEbsEncryptionByDefault", "ec2:GetEbsDefaultKmsKeyId", "ec2:GetInstanceMetadataDefaults",
		"ec2:GetSnapshotBlockPublicAccessState", "ec2:GetImageBlockPublicAccessState"}},
}

// ReadActions returns the IAM actions a read of a resource of kind k with needs n calls
// (its Describe always: a read with no need at all is none, and calls nothing), sorted.
func ReadActions(k Kind, n Needs) []string {
	if n == 0 {
		return nil
	}
	var out []string
	for need, acts := range readActions[k] {
		if need == NeedDescribe || n.Has(need) {
			out = append(out, acts...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// AllReadActions is every action of the table, sorted.
func AllReadActions() []string {
	var out []string
	for _, k := range Kinds() {
		out = append(out, ReadActions(k, ^Needs(0))...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
