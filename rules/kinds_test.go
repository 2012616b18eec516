package rules

import (
	"slices"
	"testing"

	"github.com/ec2guard/ec2guard/pattern"
	"github.com/ec2guard/ec2guard/resource"
)

func TestDefaultKinds(t *testing.T) {
	all := resource.Kinds()
	for _, c := range []struct {
		pattern string
		want    []resource.Kind
	}{
		{`{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["stopped"]}}`, []resource.Kind{resource.Instance}},
		{`{"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["RunInstances"]}}`, []resource.Kind{resource.Instance}},
		{`{"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["CreateVolume","CreateImage","CreateSnapshot"]}}`,
			[]resource.Kind{resource.Volume, resource.Snapshot, resource.Image}},
		{`{"detail":{"eventName":["AuthorizeSecurityGroupIngress","ModifySecurityGroupRules"]}}`, []resource.Kind{resource.SecurityGroup}},
		{`{"detail":{"eventName":["AssociateAddress"]}}`, []resource.Kind{resource.Instance, resource.Address}},
		{`{"detail":{"eventName":[{"prefix":"Disable"}]}}`, []resource.Kind{resource.Account}},
		{`{"detail":{"eventName":[{"suffix":"LaunchTemplate"}, "ModifySubnetAttribute"]}}`, []resource.Kind{resource.LaunchTemplate, resource.Subnet}},
		{`{"detail":{"eventName":[{"prefix":"Create"}]}}`, []resource.Kind{resource.SecurityGroup, resource.Volume, resource.Snapshot,
			resource.Image, resource.LaunchTemplate, resource.Subnet, resource.NetworkACL}},
		{`{"source":["aws.securityhub"],"detail-type":["Security Hub Findings - Imported"]}`,
			[]resource.Kind{resource.Instance, resource.SecurityGroup, resource.Volume, resource.Address, resource.LaunchTemplate, resource.Subnet, resource.NetworkACL, resource.Account}},
		{`{"source":["aws.securityhub"],"detail":{"findings":{"Resources":{"Type":["AwsEc2Volume","AwsAccount"]}}}}`, []resource.Kind{resource.Volume, resource.Account}},
		{`{"$or":[{"source":["aws.guardduty"]},{"detail":{"state":["running"]}}]}`, []resource.Kind{resource.Instance}},
		{`{"region":["eu-west-1"]}`, all},
		{`{"source":["aws.ec2"]}`, all},
		{`{"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["CreateTags"]}}`, []resource.Kind{resource.Instance}},
	} {
		p, err := pattern.Parse([]byte(c.pattern))
		if err != nil {
			t.Fatal(err)
		}
		if got := DefaultKinds(p); !slices.Equal(got, c.want) {
			t.Errorf("DefaultKinds(%s) = %v, want %v", c.pattern, got, c.want)
		}
	}
}
