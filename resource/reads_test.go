package resource

import (
	"slices"
	"testing"

	"github.com/ec2guard/ec2guard/iam/catalog"
)

// Every action of the table is one IAM knows, and every kind reads something.
func TestReadActionsExist(t *testing.T) {
	cat := catalog.MustLoad()
	for _, a := range AllReadActions() {
		if len(cat.Expand(a)) != 1 {
			t.Errorf("%s is not an IAM action", a)
		}
	}
	for _, k := range Kinds() {
		if len(ReadActions(k, NeedDescribe)) == 0 {
			t.Errorf("a read of a %s calls nothing", k)
		}
	}
}

func TestReadActions(t *testing.T) {
	for _, tc := range []struct {
		kind  Kind
		needs Needs
		want  []string
	}{
		{Instance, 0, nil},
		{Instance, NeedDescribe, []string{"ec2:DescribeInstances"}},
		{Instance, NeedUserData, []string{"ec2:DescribeInstanceAttribute", "ec2:DescribeInstances"}},
		{Instance, NeedDescribe | NeedExposure, []string{"ec2:DescribeInstances", "ec2:DescribeNetworkAcls", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets"}},
		{SecurityGroup, NeedDescribe | NeedUsage, []string{"ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups"}},
		{SecurityGroup, NeedDescribe | NeedExposure, []string{"ec2:DescribeSecurityGroups"}}, // a need the kind has not
		{Snapshot, NeedSharing, []string{"ec2:DescribeSnapshotAttribute", "ec2:DescribeSnapshots"}},
		{Image, NeedDescribe, []string{"ec2:DescribeImages"}},
		{Account, NeedDescribe, []string{"ec2:GetEbsDefaultKmsKeyId", "ec2:GetEbsEncryptionByDefault", "ec2:GetImageBlockPublicAccessState", "ec2:GetInstanceMetadataDefaults", "ec2:GetSnapshotBlockPublicAccessState"}},
	} {
		if got := ReadActions(tc.kind, tc.needs); !slices.Equal(got, tc.want) {
			t.Errorf("ReadActions(%s, %b) = %v, want %v", tc.kind, tc.needs, got, tc.want)
		}
	}
}
