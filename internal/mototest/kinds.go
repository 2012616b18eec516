package mototest

import (
	"encoding/base64"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// Mixed is a fleet of every resource kind, made in pairs that differ in what the filters
// judge (see Fleet.Mixed); it holds their ids.
type Mixed struct {
	VPC                          string
	PublicSubnet, PrivateSubnet  string // routed to an internet gateway, and not (the VPC's main table)
	PublicRoutes                 string // the public subnet's own route table
	PrivateACL                   string // a network ACL of the private subnet (no entries: denies all)
	OpenGroup, ClosedGroup       string // 22 from 0.0.0.0/0, and 443 from 10.0.0.0/8
	IMDSv1, IMDSv2               string // instances: optional tokens, a public IP, user data, stop protection, the open group; required tokens, private, stopped
	Encrypted, Plain             string // volumes
	PublicSnapshot, PrivateSnap  string
	Image                        string // made from IMDSv1, shared with everyone
	FreeAddress, BoundAddress    string // Elastic IPs: unassociated, and associated with IMDSv1
	Template                     string // version 1 (default): optional tokens and user data; version 2 (latest): required tokens
	UserData                     string // of IMDSv1 and of the template's version 1, decoded
	AMI                          string // the AMI the instances run
	InstanceIDs, VolumeIDs, ENIs []string
}

// InRegion returns a Fleet whose clients work in another region.
func (f *Fleet) InRegion(region string) *Fleet {
	cfg := f.Cfg.Copy()
	cfg.Region = region
	return &Fleet{t: f.t, Ctx: f.Ctx, Cfg: cfg, EC2: ec2.NewFromConfig(cfg)}
}

// Mixed makes one resource of each kind and its contrast, in the Fleet's region.
func (f *Fleet) Mixed() *Mixed {
	f.t.Helper()
	m := &Mixed{UserData: "#!/bin/sh\necho hello\n"}
	must := func(err error) {
		f.t.Helper()
		if err != nil {
			f.t.Fatal(err)
		}
	}
	ctx, cl := f.Ctx, f.EC2
	vpc, err := cl.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	must(err)
	m.VPC = *vpc.Vpc.VpcId
	pub, err := cl.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &m.VPC, CidrBlock: aws.String("10.0.1.0/24")})
	must(err)
	m.PublicSubnet = *pub.Subnet.SubnetId
	priv, err := cl.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &m.VPC, CidrBlock: aws.String("10.0.2.0/24")})
	must(err)
	m.PrivateSubnet = *priv.Subnet.SubnetId
	igw, err := cl.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	must(err)
	_, err = cl.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: &m.VPC})
	must(err)
	rt, err := cl.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &m.VPC})
	must(err)
	m.PublicRoutes = *rt.RouteTable.RouteTableId
	_, err = cl.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &m.PublicRoutes, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: igw.InternetGateway.InternetGatewayId})
	// The route table is new: a route already there is this call's own, made by an attempt
	// whose answer the loaded server lost before the SDK's retry (as CreateTable's, table.go).
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "RouteAlreadyExists" {
		err = nil
	}
	must(err)
	_, err = cl.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &m.PublicRoutes, SubnetId: &m.PublicSubnet})
	must(err)
	acl, err := cl.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: &m.VPC})
	must(err)
	m.PrivateACL = *acl.NetworkAcl.NetworkAclId
	acls, err := cl.DescribeNetworkAcls(ctx, &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{{Name: aws.String("association.subnet-id"), Values: []string{m.PrivateSubnet}}}})
	must(err)
	for _, a := range acls.NetworkAcls {
		for _, as := range a.Associations {
			if aws.ToString(as.SubnetId) == m.PrivateSubnet {
				_, err = cl.ReplaceNetworkAclAssociation(ctx, &ec2.ReplaceNetworkAclAssociationInput{AssociationId: as.NetworkAclAssociationId, NetworkAclId: &m.PrivateACL})
				must(err)
			}
		}
	}
	group := func(name string, port int32, cidr string) string {
		g, err := cl.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: &m.VPC})
		must(err)
		_, err = cl.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: []ec2types.IpPermission{{
			IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port), IpRanges: []ec2types.IpRange{{CidrIp: aws.String(cidr)}},
		}}})
		must(err)
		return *g.GroupId
	}
	m.OpenGroup = group("open-ssh-"+m.VPC, 22, "0.0.0.0/0")
	m.ClosedGroup = group("inside-https-"+m.VPC, 443, "10.0.0.0/8")

	if f.image == "" {
		imgs, err := cl.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}, MaxResults: aws.Int32(5)})
		if err != nil || len(imgs.Images) == 0 {
			f.t.Fatalf("no AMI in moto: %v", err)
		}
		f.image = *imgs.Images[0].ImageId
	}
	m.AMI = f.image
	run := func(in *ec2.RunInstancesInput) string {
		in.ImageId, in.MinCount, in.MaxCount, in.InstanceType = &f.image, aws.Int32(1), aws.Int32(1), ec2types.InstanceTypeT3Micro
		out, err := cl.RunInstances(ctx, in)
		must(err)
		i := out.Instances[0]
		m.InstanceIDs = append(m.InstanceIDs, *i.InstanceId)
		for _, n := range i.NetworkInterfaces {
			m.ENIs = append(m.ENIs, *n.NetworkInterfaceId)
		}
		return *i.InstanceId
	}
	m.IMDSv1 = run(&ec2.RunInstancesInput{
		UserData:        aws.String(base64.StdEncoding.EncodeToString([]byte(m.UserData))),
		MetadataOptions: &ec2types.InstanceMetadataOptionsRequest{HttpTokens: ec2types.HttpTokensStateOptional},
		DisableApiStop:  aws.Bool(true),
		NetworkInterfaces: []ec2types.InstanceNetworkInterfaceSpecification{{
			DeviceIndex: aws.Int32(0), SubnetId: &m.PublicSubnet, AssociatePublicIpAddress: aws.Bool(true), Groups: []string{m.OpenGroup},
		}},
	})
	m.IMDSv2 = run(&ec2.RunInstancesInput{
		MetadataOptions:  &ec2types.InstanceMetadataOptionsRequest{HttpTokens: ec2types.HttpTokensStateRequired},
		SubnetId:         &m.PrivateSubnet,
		SecurityGroupIds: []string{m.ClosedGroup},
	})
	f.Stop(m.IMDSv2)

	volume := func(encrypted bool) string {
		v, err := cl.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(f.Cfg.Region + "a"), Size: aws.Int32(8), Encrypted: aws.Bool(encrypted)})
		must(err)
		m.VolumeIDs = append(m.VolumeIDs, *v.VolumeId)
		return *v.VolumeId
	}
	m.Encrypted, m.Plain = volume(true), volume(false)
	snapshot := func(public bool) string {
		s, err := cl.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: &m.Plain})
		must(err)
		if public {
			// moto reads the older form of the call (OperationType and GroupNames).
			_, err = cl.ModifySnapshotAttribute(ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: s.SnapshotId, Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission,
				OperationType: ec2types.OperationTypeAdd, GroupNames: []string{"all"}})
			must(err)
		}
		return *s.SnapshotId
	}
	m.PublicSnapshot, m.PrivateSnap = snapshot(true), snapshot(false)
	img, err := cl.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: &m.IMDSv1, Name: aws.String("image-of-" + m.IMDSv1)})
	must(err)
	m.Image = *img.ImageId
	_, err = cl.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: &m.Image, LaunchPermission: &ec2types.LaunchPermissionModifications{Add: []ec2types.LaunchPermission{{Group: ec2types.PermissionGroupAll}}}})
	must(err)

	free, err := cl.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	must(err)
	m.FreeAddress = *free.AllocationId
	bound, err := cl.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	must(err)
	m.BoundAddress = *bound.AllocationId
	_, err = cl.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: &m.BoundAddress, InstanceId: &m.IMDSv1})
	must(err)

	lt, err := cl.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("template-" + m.VPC), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{
		ImageId: &f.image, UserData: aws.String(base64.StdEncoding.EncodeToString([]byte(m.UserData))),
		MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: ec2types.LaunchTemplateHttpTokensStateOptional},
	}})
	must(err)
	m.Template = *lt.LaunchTemplate.LaunchTemplateId
	_, err = cl.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: &m.Template, LaunchTemplateData: &ec2types.RequestLaunchTemplateData{
		ImageId:         &f.image,
		MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: ec2types.LaunchTemplateHttpTokensStateRequired},
	}})
	must(err)
	return m
}
