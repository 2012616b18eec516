package awsapi

import (
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// typicalInstance is what DescribeInstances gives of a common instance: two network
// interfaces with a public IP, two EBS volumes, three tags, metadata options, an instance
// profile, placement and the usual flags.
func typicalInstance() *ec2types.Instance {
	at := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	eni := func(id, ip string, public bool) ec2types.InstanceNetworkInterface {
		n := ec2types.InstanceNetworkInterface{
			NetworkInterfaceId: aws.String(id), PrivateIpAddress: aws.String(ip), SubnetId: aws.String("subnet-0123456789abcdef0"), VpcId: aws.String("vpc-0123456789abcdef0"),
			MacAddress: aws.String("0a:1b:2c:3d:4e:5f"), OwnerId: aws.String("111122223333"), Status: ec2types.NetworkInterfaceStatusInUse, SourceDestCheck: aws.Bool(true),
			InterfaceType:      aws.String("interface"),
			Groups:             []ec2types.GroupIdentifier{{GroupId: aws.String("sg-0123456789abcdef0"), GroupName: aws.String("web")}},
			Attachment:         &ec2types.InstanceNetworkInterfaceAttachment{AttachmentId: aws.String("eni-attach-0123"), AttachTime: &at, DeleteOnTermination: aws.Bool(true), DeviceIndex: aws.Int32(0), Status: ec2types.AttachmentStatusAttached},
			PrivateIpAddresses: []ec2types.InstancePrivateIpAddress{{PrivateIpAddress: aws.String(ip), Primary: aws.Bool(true)}},
		}
		if public {
			n.Association = &ec2types.InstanceNetworkInterfaceAssociation{PublicIp: aws.String("203.0.113.10"), PublicDnsName: aws.String("ec2-203-0-113-10.compute-1.amazonaws.com"), IpOwnerId: aws.String("amazon")}
		}
		return n
	}
	return &ec2types.Instance{
		InstanceId: aws.String("i-0123456789abcdef0"), ImageId: aws.String("ami-0123456789abcdef0"), InstanceType: ec2types.InstanceTypeM5Large,
		State: &ec2types.InstanceState{Name: ec2types.InstanceStateNameRunning, Code: aws.Int32(16)}, LaunchTime: &at,
		PrivateIpAddress: aws.String("10.0.1.10"), PublicIpAddress: aws.String("203.0.113.10"), SubnetId: aws.String("subnet-0123456789abcdef0"), VpcId: aws.String("vpc-0123456789abcdef0"),
		Architecture: ec2types.ArchitectureValuesX8664, RootDeviceName: aws.String("/dev/xvda"), RootDeviceType: ec2types.DeviceTypeEbs, EbsOptimized: aws.Bool(true),
		Hypervisor: ec2types.HypervisorTypeXen, VirtualizationType: ec2types.VirtualizationTypeHvm, KeyName: aws.String("ops"), AmiLaunchIndex: aws.Int32(0),
		Placement:          &ec2types.Placement{AvailabilityZone: aws.String("eu-west-1a"), Tenancy: ec2types.TenancyDefault},
		Monitoring:         &ec2types.Monitoring{State: ec2types.MonitoringStateDisabled},
		IamInstanceProfile: &ec2types.IamInstanceProfile{Arn: aws.String("arn:aws:iam::111122223333:instance-profile/web"), Id: aws.String("AIPA0123456789")},
		MetadataOptions: &ec2types.InstanceMetadataOptionsResponse{HttpTokens: ec2types.HttpTokensStateRequired, HttpEndpoint: ec2types.InstanceMetadataEndpointStateEnabled,
			HttpPutResponseHopLimit: aws.Int32(2), InstanceMetadataTags: ec2types.InstanceMetadataTagsStateDisabled, State: ec2types.InstanceMetadataOptionsStateApplied},
		BlockDeviceMappings: []ec2types.InstanceBlockDeviceMapping{
			{DeviceName: aws.String("/dev/xvda"), Ebs: &ec2types.EbsInstanceBlockDevice{VolumeId: aws.String("vol-0123456789abcdef0"), AttachTime: &at, DeleteOnTermination: aws.Bool(true), Status: ec2types.AttachmentStatusAttached}},
			{DeviceName: aws.String("/dev/sdf"), Ebs: &ec2types.EbsInstanceBlockDevice{VolumeId: aws.String("vol-0123456789abcdef1"), AttachTime: &at, DeleteOnTermination: aws.Bool(false), Status: ec2types.AttachmentStatusAttached}},
		},
		NetworkInterfaces:  []ec2types.InstanceNetworkInterface{eni("eni-0123456789abcdef0", "10.0.1.10", true), eni("eni-0123456789abcdef1", "10.0.1.11", false)},
		SecurityGroups:     []ec2types.GroupIdentifier{{GroupId: aws.String("sg-0123456789abcdef0"), GroupName: aws.String("web")}},
		Tags:               []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("web-1")}, {Key: aws.String("Owner"), Value: aws.String("alice")}, {Key: aws.String("Protected"), Value: aws.String("true")}},
		CpuOptions:         &ec2types.CpuOptions{CoreCount: aws.Int32(1), ThreadsPerCore: aws.Int32(2)},
		EnclaveOptions:     &ec2types.EnclaveOptions{Enabled: aws.Bool(false)},
		HibernationOptions: &ec2types.HibernationOptions{Configured: aws.Bool(false)},
		PlatformDetails:    aws.String("Linux/UNIX"), UsageOperation: aws.String("RunInstances"), ClientToken: aws.String("token"),
		StateTransitionReason: aws.String(""), PrivateDnsName: aws.String("ip-10-0-1-10.eu-west-1.compute.internal"),
	}
}

// BenchmarkTreeInstance converts a typical instance to its Attrs (scan does it once per
// instance listed). cpu-ns/op is the process's CPU time per conversion (GC included): on the
// shared machine the wall clock of ns/op says more of the load than of the code.
func BenchmarkTreeInstance(b *testing.B) {
	in := typicalInstance()
	b.ReportAllocs()
	start := cpuTime()
	n := 0
	for b.Loop() {
		if len(Tree(in)) == 0 {
			b.Fatal("empty tree")
		}
		n++
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(n), "cpu-ns/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
