package controlsmoto_test

import (
	"encoding/base64"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// example is a resource made on moto and the verdict a control must give it, read by
// awsapi with what the control needs, as a scan reads it.
type example struct {
	kind resource.Kind
	id   string
	want controls.Status
	at   time.Time // the clock; zero: now
}

// Every control judges a passing and a failing resource made on moto (the account controls
// judge the region's settings before and after a change, where moto has the call).
func TestControlsOnMoto(t *testing.T) {
	f := mototest.NewFleet(t)
	m := f.Mixed()
	ctx, cl := f.Ctx, f.EC2
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// volumes in use: the encrypted one attached to the stopped instance, the plain one to the other
	_, err := cl.AttachVolume(ctx, &ec2.AttachVolumeInput{VolumeId: &m.Encrypted, InstanceId: &m.IMDSv2, Device: aws.String("/dev/sdf")})
	must(err)
	_, err = cl.AttachVolume(ctx, &ec2.AttachVolumeInput{VolumeId: &m.Plain, InstanceId: &m.IMDSv1, Device: aws.String("/dev/sdf")})
	must(err)
	// and one attached to nothing
	spare, err := cl.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(mototest.Region + "a"), Size: aws.Int32(8)})
	must(err)
	encSnap, err := cl.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: &m.Encrypted})
	must(err)
	privateImage, err := cl.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: &m.IMDSv2, Name: aws.String("private")})
	must(err)

	group := func(name string, perms ...ec2types.IpPermission) string {
		g, err := cl.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: &m.VPC})
		must(err)
		if len(perms) > 0 {
			_, err = cl.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: perms})
			must(err)
		}
		return *g.GroupId
	}
	tcp := func(port int32, v4, v6 string) ec2types.IpPermission {
		p := ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port)}
		if v4 != "" {
			p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(v4)}}
		}
		if v6 != "" {
			p.Ipv6Ranges = []ec2types.Ipv6Range{{CidrIpv6: aws.String(v6)}}
		}
		return p
	}
	web := group("web", tcp(443, "0.0.0.0/0", ""), tcp(80, "", "::/0"))
	rdp := group("rdp", tcp(3389, "0.0.0.0/0", ""))
	ssh6 := group("ssh6", tcp(22, "", "::/0"))

	// the VPC's default group as AWS makes it (fails), and another VPC's emptied (passes)
	defaultGroup := func(vpc string) ec2types.SecurityGroup {
		out, err := cl.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
			{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("group-name"), Values: []string{"default"}}}})
		must(err)
		if len(out.SecurityGroups) != 1 {
			t.Fatalf("default groups of %s: %v", vpc, out.SecurityGroups)
		}
		return out.SecurityGroups[0]
	}
	openDefault := *defaultGroup(m.VPC).GroupId
	vpc2, err := cl.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	must(err)
	closed := defaultGroup(*vpc2.Vpc.VpcId)
	if len(closed.IpPermissions) > 0 {
		_, err = cl.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: closed.GroupId, IpPermissions: closed.IpPermissions})
		must(err)
	}
	if len(closed.IpPermissionsEgress) > 0 {
		_, err = cl.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: closed.GroupId, IpPermissions: closed.IpPermissionsEgress})
		must(err)
	}

	// a network ACL that lets SSH in from everywhere
	openACL, err := cl.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: &m.VPC})
	must(err)
	_, err = cl.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: openACL.NetworkAcl.NetworkAclId, RuleNumber: aws.Int32(100),
		Protocol: aws.String("6"), RuleAction: ec2types.RuleActionAllow, Egress: aws.Bool(false), CidrBlock: aws.String("0.0.0.0/0"),
		PortRange: &ec2types.PortRange{From: aws.Int32(22), To: aws.Int32(22)}})
	must(err)
	acls, err := cl.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{m.VPC}}, {Name: aws.String("default"), Values: []string{"true"}}}})
	must(err)

	_, err = cl.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: &m.PublicSubnet, MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}})
	must(err)

	template := func(name string, data *ec2types.RequestLaunchTemplateData) string {
		data.ImageId = &m.AMI
		out, err := cl.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String(name), LaunchTemplateData: data})
		must(err)
		return *out.LaunchTemplate.LaunchTemplateId
	}
	const secret = "#!/bin/bash\nexport AWS_SECRET_ACCESS_KEY=kq3V8tYbN2xR7pLmW5sD9fGh1jKz4cX6vB0nM8aQ\n"
	encoded := base64.StdEncoding.EncodeToString([]byte(secret))
	safeLT := template("safe", &ec2types.RequestLaunchTemplateData{
		MetadataOptions:     &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: ec2types.LaunchTemplateHttpTokensStateRequired},
		BlockDeviceMappings: []ec2types.LaunchTemplateBlockDeviceMappingRequest{{DeviceName: aws.String("/dev/xvda"), Ebs: &ec2types.LaunchTemplateEbsBlockDeviceRequest{Encrypted: aws.Bool(true), VolumeSize: aws.Int32(8)}}},
		NetworkInterfaces:   []ec2types.LaunchTemplateInstanceNetworkInterfaceSpecificationRequest{{DeviceIndex: aws.Int32(0), AssociatePublicIpAddress: aws.Bool(false)}},
	})
	riskyLT := template("risky", &ec2types.RequestLaunchTemplateData{
		UserData:            &encoded,
		BlockDeviceMappings: []ec2types.LaunchTemplateBlockDeviceMappingRequest{{DeviceName: aws.String("/dev/xvda"), Ebs: &ec2types.LaunchTemplateEbsBlockDeviceRequest{Encrypted: aws.Bool(false), VolumeSize: aws.Int32(8)}}},
		NetworkInterfaces:   []ec2types.LaunchTemplateInstanceNetworkInterfaceSpecificationRequest{{DeviceIndex: aws.Int32(0), AssociatePublicIpAddress: aws.Bool(true)}},
	})
	run, err := cl.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: &m.AMI, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		InstanceType: ec2types.InstanceTypeT3Micro, SubnetId: &m.PrivateSubnet, UserData: &encoded})
	must(err)
	leaky := *run.Instances[0].InstanceId

	month := time.Now().Add(31 * 24 * time.Hour)
	account := mototest.AccountID
	cases := map[*controls.Control][]example{}
	add := func(id string, exs ...example) {
		c, ok := controls.ByID(id)
		if !ok {
			t.Fatalf("no control %s", id)
		}
		cases[c] = append(cases[c], exs...)
	}
	pass := func(k resource.Kind, id string) example { return example{kind: k, id: id, want: controls.Pass} }
	fail := func(k resource.Kind, id string) example { return example{kind: k, id: id, want: controls.Fail} }
	na := func(k resource.Kind, id string) example {
		return example{kind: k, id: id, want: controls.NotApplicable}
	}
	unknown := example{kind: resource.Account, id: account, want: controls.Error}
	I, SG, V, S, A, LT, N, ACL := resource.Instance, resource.SecurityGroup, resource.Volume, resource.Snapshot, resource.Address, resource.LaunchTemplate, resource.Subnet, resource.NetworkACL
	add("EC2.3", pass(V, m.Encrypted), fail(V, m.Plain))
	add("EC2.181", pass(LT, safeLT), fail(LT, riskyLT))
	add("EC2G-ENC-4", pass(S, *encSnap.SnapshotId), fail(S, m.PrivateSnap))
	add("EC2.4", pass(I, m.IMDSv2), example{kind: I, id: m.IMDSv2, want: controls.Fail, at: month}, na(I, m.IMDSv1))
	add("EC2.12", pass(A, m.BoundAddress), fail(A, m.FreeAddress))
	add("EC2G-IDLE-3", pass(V, m.Encrypted), fail(V, *spare.VolumeId))
	add("EC2.8", pass(I, m.IMDSv2), fail(I, m.IMDSv1))
	add("EC2.170", pass(LT, safeLT), fail(LT, m.Template))
	add("EC2.2", pass(SG, *closed.GroupId), fail(SG, openDefault), na(SG, web))
	add("EC2.13", pass(SG, web), fail(SG, m.OpenGroup), fail(SG, ssh6))
	add("EC2.14", pass(SG, m.OpenGroup), fail(SG, rdp))
	add("EC2.18", pass(SG, web), fail(SG, m.OpenGroup), na(SG, m.ClosedGroup))
	add("EC2.19", pass(SG, web), fail(SG, rdp))
	add("EC2.53", pass(SG, ssh6), fail(SG, m.OpenGroup))
	add("EC2.54", pass(SG, m.OpenGroup), fail(SG, ssh6))
	add("EC2.21", pass(ACL, m.PrivateACL), fail(ACL, *openACL.NetworkAcl.NetworkAclId), na(ACL, *acls.NetworkAcls[0].NetworkAclId))
	add("EC2.9", pass(I, m.IMDSv2), fail(I, m.IMDSv1))
	add("EC2.15", pass(N, m.PrivateSubnet), fail(N, m.PublicSubnet))
	add("EC2.25", pass(LT, safeLT), fail(LT, riskyLT))
	add("EC2G-NET-12", pass(I, m.IMDSv2), fail(I, m.IMDSv1))
	add("EC2.1", pass(S, m.PrivateSnap), fail(S, m.PublicSnapshot))
	add("EC2G-PUB-2", pass(resource.Image, *privateImage.ImageId), fail(resource.Image, m.Image))
	add("EC2G-SECRET-1", pass(I, m.IMDSv1), fail(I, leaky))
	add("EC2G-SECRET-2", pass(LT, m.Template), fail(LT, riskyLT))
	// moto 5.2 answers 500 to GetInstanceMetadataDefaults, GetSnapshotBlockPublicAccessState
	// and GetImageBlockPublicAccessState: the settings are unknown, an error and not a
	// failure (package controls judges them as AWS gives them)
	add("EC2G-IMDS-3", unknown)
	add("EC2.182", unknown)
	add("EC2G-PUB-4", unknown)

	c := awsapi.New()
	c.MaxBackoff = 1
	place := resource.Place{Account: account, Region: mototest.Region}
	judge := func(ctrl *controls.Control, ex example) {
		t.Helper()
		k := ctrl.MustCompile()
		r, err := c.Get(ctx, resource.Ref{Kind: ex.kind, ID: ex.id, Place: place}, k.Needs())
		if err != nil {
			t.Errorf("%s: Get %s %s: %v", ctrl.ID, ex.kind, ex.id, err)
			return
		}
		at := ex.at
		if at.IsZero() {
			at = time.Now()
		}
		if v := k.Evaluate(r, at); v.Status != ex.want {
			t.Errorf("%s (%s) on %s %s: %s %q, want %s\n%v", ctrl.ID, ctrl.SecurityHub, ex.kind, ex.id, v.Status, v.Reason, ex.want, r.Attrs)
		}
	}
	for ctrl, exs := range cases {
		for _, ex := range exs {
			judge(ctrl, ex)
		}
	}
	// EC2.7 on the region's setting, before and after it is turned on
	enc, _ := controls.ByID("EC2.7")
	judge(enc, example{kind: resource.Account, id: account, want: controls.Fail})
	_, err = cl.EnableEbsEncryptionByDefault(ctx, &ec2.EnableEbsEncryptionByDefaultInput{})
	must(err)
	judge(enc, example{kind: resource.Account, id: account, want: controls.Pass})
	cases[enc] = nil

	for _, ctrl := range controls.All() {
		if _, ok := cases[ctrl]; !ok {
			t.Errorf("%s: no example on moto", ctrl.ID)
		}
	}
}
