package filtersmoto_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// Each filter judges a resource that passes and one that fails, both read from moto by
// awsapi with exactly what the filter says it needs (NeedsFor), as the engine reads them.
func TestFiltersOnMoto(t *testing.T) {
	f := mototest.NewFleet(t)
	m := f.Mixed()
	ctx := context.Background()
	unusedGroup, err := f.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("nothing-uses-me"), Description: aws.String("x"), VpcId: &m.VPC})
	if err != nil {
		t.Fatal(err)
	}
	groups, err := f.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: filter("vpc-id", m.VPC)})
	if err != nil {
		t.Fatal(err)
	}
	defaultGroup := ""
	for _, g := range groups.SecurityGroups {
		if aws.ToString(g.GroupName) == "default" {
			defaultGroup = *g.GroupId
		}
	}
	privateImage, err := f.EC2.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: &m.IMDSv2, Name: aws.String("private-image")})
	if err != nil {
		t.Fatal(err)
	}
	acls, err := f.EC2.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: filter("default", "true")})
	if err != nil || len(acls.NetworkAcls) == 0 {
		t.Fatalf("the default network ACLs: %v", err)
	}
	defaultACL := ""
	for _, a := range acls.NetworkAcls {
		if aws.ToString(a.VpcId) == m.VPC {
			defaultACL = *a.NetworkAclId
		}
	}
	inUse := f.Attached(m.IMDSv1)[0] // its root volume

	c := awsapi.New()
	c.MaxBackoff = 1
	// stopped-for is judged on a clock a month on: the fleet's instance was stopped now.
	later := time.Now().Add(31 * 24 * time.Hour)
	tests := []struct {
		kind         resource.Kind
		filter       string
		pass, fail   string
		passK, failK resource.Kind // when they differ from kind
	}{
		{kind: resource.Instance, filter: "{attr: MetadataOptions.HttpTokens, not-equals: required}", pass: m.IMDSv1, fail: m.IMDSv2},
		{kind: resource.Instance, filter: "{attr: UserData, glob: '*echo hello*'}", pass: m.IMDSv1, fail: m.IMDSv2},
		{kind: resource.Instance, filter: "{attr: DisableApiStop, equals: true}", pass: m.IMDSv1, fail: m.IMDSv2},
		{kind: resource.Instance, filter: "{attr: 'NetworkInterfaces[].Association.PublicIp', present: true}", pass: m.IMDSv1, fail: m.IMDSv2},
		{kind: resource.Instance, filter: "{attr: 'BlockDeviceMappings[].Ebs.DeleteOnTermination', match: all, equals: true}", pass: m.IMDSv1, fail: ""},
		{kind: resource.Instance, filter: "{exposed: {ports: [22]}}", pass: m.IMDSv1, fail: m.IMDSv2},
		{kind: resource.Instance, filter: "{exposed: {ports: [3389]}}", pass: "", fail: m.IMDSv1},
		{kind: resource.Instance, filter: "{ingress: {ports: [22]}}", pass: m.IMDSv1, fail: m.IMDSv2},
		{kind: resource.Instance, filter: "{stopped-for: 30d}", pass: m.IMDSv2, fail: m.IMDSv1},
		{kind: resource.SecurityGroup, filter: "{ingress: {ports: [22], protocol: tcp}}", pass: m.OpenGroup, fail: m.ClosedGroup},
		{kind: resource.SecurityGroup, filter: "{ingress: {ports: [443], from: public}}", pass: "", fail: m.ClosedGroup},
		{kind: resource.SecurityGroup, filter: "{unused: true}", pass: *unusedGroup.GroupId, fail: m.OpenGroup},
		{kind: resource.SecurityGroup, filter: "{unused: true}", pass: "", fail: defaultGroup},
		{kind: resource.Volume, filter: "{attr: Encrypted, equals: false}", pass: m.Plain, fail: m.Encrypted},
		{kind: resource.Volume, filter: "{unused: true}", pass: m.Plain, fail: inUse},
		{kind: resource.Snapshot, filter: "{public: true}", pass: m.PublicSnapshot, fail: m.PrivateSnap},
		{kind: resource.Image, filter: "{public: true}", pass: m.Image, fail: *privateImage.ImageId},
		{kind: resource.Address, filter: "{unused: true}", pass: m.FreeAddress, fail: m.BoundAddress},
		{kind: resource.LaunchTemplate, filter: "{attr: DefaultVersion.LaunchTemplateData.MetadataOptions.HttpTokens, not-equals: required}", pass: m.Template, fail: ""},
		{kind: resource.LaunchTemplate, filter: "{attr: LatestVersion.LaunchTemplateData.MetadataOptions.HttpTokens, not-equals: required}", pass: "", fail: m.Template},
		{kind: resource.Subnet, filter: "{attr: RoutesToInternetGateway, equals: true}", pass: m.PublicSubnet, fail: m.PrivateSubnet},
		{kind: resource.NetworkACL, filter: "{attr: 'Entries[].RuleAction', match: all, equals: deny}", pass: m.PrivateACL, fail: defaultACL},
	}
	for _, tc := range tests {
		src := "rules:\n  - name: r\n    pattern: {source: [aws.ec2]}\n    resources: [" + string(tc.kind) + "]\n    filters:\n      - " + tc.filter + "\n    actions: [start]\n"
		set, err := rules.Load("moto.yaml", []byte(src), rules.Options{})
		if err != nil {
			t.Errorf("%s: %v", tc.filter, err)
			continue
		}
		fl := set.Rules[0].Filters[0]
		for _, side := range []struct {
			id   string
			want bool
		}{{tc.pass, true}, {tc.fail, false}} {
			if side.id == "" {
				continue
			}
			r, err := c.Get(ctx, resource.Ref{Kind: tc.kind, ID: side.id, Place: resource.Place{Region: mototest.Region}}, fl.NeedsFor(tc.kind))
			if err != nil {
				t.Errorf("%s: Get %s %s: %v", tc.filter, tc.kind, side.id, err)
				continue
			}
			if got := fl.Match(r, later); got != side.want {
				t.Errorf("%s on %s %s = %v, want %v (read %b of %b)\n%v", tc.filter, tc.kind, side.id, got, side.want, r.Read, fl.NeedsFor(tc.kind), r.Attrs)
			}
		}
	}
}

func filter(name, value string) []ec2types.Filter {
	return []ec2types.Filter{{Name: aws.String(name), Values: []string{value}}}
}
