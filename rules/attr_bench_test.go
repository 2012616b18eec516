package rules_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

// benchInstance is an instance as DescribeInstances returns one for a typical web server
// (two volumes, one interface with a public IP, two groups, four tags), converted by the
// same awsapi.Tree the readers use.
func benchInstance(i int, launched time.Time) *resource.Resource {
	id := fmt.Sprintf("i-%017x", i)
	tokens := ec2types.HttpTokensStateOptional
	if i%2 == 0 {
		tokens = ec2types.HttpTokensStateRequired
	}
	in := ec2types.Instance{
		AmiLaunchIndex: aws.Int32(0), Architecture: ec2types.ArchitectureValuesX8664,
		BlockDeviceMappings: []ec2types.InstanceBlockDeviceMapping{
			{DeviceName: aws.String("/dev/xvda"), Ebs: &ec2types.EbsInstanceBlockDevice{AttachTime: aws.Time(launched), DeleteOnTermination: aws.Bool(true), Status: ec2types.AttachmentStatusAttached, VolumeId: aws.String("vol-0a" + id[2:])}},
			{DeviceName: aws.String("/dev/xvdb"), Ebs: &ec2types.EbsInstanceBlockDevice{AttachTime: aws.Time(launched), DeleteOnTermination: aws.Bool(i%3 != 0), Status: ec2types.AttachmentStatusAttached, VolumeId: aws.String("vol-0b" + id[2:])}},
		},
		ClientToken: aws.String("terraform-2026"), EbsOptimized: aws.Bool(true), EnaSupport: aws.Bool(true),
		Hypervisor: ec2types.HypervisorTypeXen, IamInstanceProfile: &ec2types.IamInstanceProfile{Arn: aws.String("arn:aws:iam::111122223333:instance-profile/web"), Id: aws.String("AIPAEXAMPLE")},
		ImageId: aws.String("ami-0abcdef1234567890"), InstanceId: aws.String(id), InstanceType: ec2types.InstanceTypeT3Micro,
		KeyName: aws.String("ops"), LaunchTime: aws.Time(launched),
		MetadataOptions: &ec2types.InstanceMetadataOptionsResponse{HttpEndpoint: ec2types.InstanceMetadataEndpointStateEnabled, HttpPutResponseHopLimit: aws.Int32(1), HttpTokens: tokens, InstanceMetadataTags: ec2types.InstanceMetadataTagsStateDisabled, State: ec2types.InstanceMetadataOptionsStateApplied},
		Monitoring:      &ec2types.Monitoring{State: ec2types.MonitoringStateDisabled},
		NetworkInterfaces: []ec2types.InstanceNetworkInterface{{
			Association: &ec2types.InstanceNetworkInterfaceAssociation{IpOwnerId: aws.String("amazon"), PublicDnsName: aws.String("ec2-3-120-0-1.compute.amazonaws.com"), PublicIp: aws.String("3.120.0.1")},
			Attachment:  &ec2types.InstanceNetworkInterfaceAttachment{AttachTime: aws.Time(launched), AttachmentId: aws.String("eni-attach-0" + id[2:]), DeleteOnTermination: aws.Bool(true), DeviceIndex: aws.Int32(0), Status: ec2types.AttachmentStatusAttached},
			Groups:      []ec2types.GroupIdentifier{{GroupId: aws.String("sg-0web"), GroupName: aws.String("web")}, {GroupId: aws.String("sg-0ssh"), GroupName: aws.String("ssh")}},
			MacAddress:  aws.String("0a:1b:2c:3d:4e:5f"), NetworkInterfaceId: aws.String("eni-0" + id[2:]), OwnerId: aws.String("111122223333"),
			PrivateIpAddress: aws.String("10.0.1.23"), SourceDestCheck: aws.Bool(true), Status: ec2types.NetworkInterfaceStatusInUse, SubnetId: aws.String("subnet-0a"), VpcId: aws.String("vpc-0a"),
			PrivateIpAddresses: []ec2types.InstancePrivateIpAddress{{Primary: aws.Bool(true), PrivateIpAddress: aws.String("10.0.1.23")}},
		}},
		Placement:      &ec2types.Placement{AvailabilityZone: aws.String("eu-west-1a"), Tenancy: ec2types.TenancyDefault},
		PrivateDnsName: aws.String("ip-10-0-1-23.eu-west-1.compute.internal"), PrivateIpAddress: aws.String("10.0.1.23"),
		PublicDnsName: aws.String("ec2-3-120-0-1.compute.amazonaws.com"), PublicIpAddress: aws.String("3.120.0.1"),
		RootDeviceName: aws.String("/dev/xvda"), RootDeviceType: ec2types.DeviceTypeEbs,
		SecurityGroups:  []ec2types.GroupIdentifier{{GroupId: aws.String("sg-0web"), GroupName: aws.String("web")}, {GroupId: aws.String("sg-0ssh"), GroupName: aws.String("ssh")}},
		SourceDestCheck: aws.Bool(true), State: &ec2types.InstanceState{Code: aws.Int32(16), Name: ec2types.InstanceStateNameRunning},
		StateTransitionReason: aws.String(""), SubnetId: aws.String("subnet-0a"), VpcId: aws.String("vpc-0a"), VirtualizationType: ec2types.VirtualizationTypeHvm,
		Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("web-" + id)}, {Key: aws.String("Owner"), Value: aws.String("alice")}, {Key: aws.String("PrincipalId"), Value: aws.String("AIDAALICE")}, {Key: aws.String("env"), Value: aws.String("prod")}},
	}
	return &resource.Resource{
		Ref: resource.Ref{Kind: resource.Instance, ID: id}, Exists: true, State: resource.Running,
		Attrs: awsapi.Tree(in), Read: resource.NeedDescribe,
	}
}

// BenchmarkAttrFilter evaluates attr filters over 64 instances in memory, one filter per
// sub-benchmark: a nested string, a list element with any and all, a timestamp age, a glob,
// an absent field. The target is 1M evaluations/s on one core (-cpu 1): ≤ 1,000 ns/op.
// 64 trees stay in cache, as a resource does while every rule judges it after its read;
// cycling through thousands measures this shared machine's memory latency instead
// (EC2GUARD_BENCH_FLEET=1024 to see it).
func BenchmarkAttrFilter(b *testing.B) {
	launched := time.Date(2026, 10, 1, 8, 0, 0, 0, time.UTC)
	now := launched.Add(60 * 24 * time.Hour)
	size := 64
	if n, err := strconv.Atoi(os.Getenv("EC2GUARD_BENCH_FLEET")); err == nil && n > 0 && n&(n-1) == 0 {
		size = n
	}
	fleet := make([]*resource.Resource, size)
	for i := range fleet {
		fleet[i] = benchInstance(i, launched)
	}
	for _, bc := range []struct{ name, filter string }{
		{"nested-string", "{attr: MetadataOptions.HttpTokens, not-equals: required}"},
		{"list-any", "{attr: 'BlockDeviceMappings[].Ebs.DeleteOnTermination', equals: false}"},
		{"list-all", "{attr: 'NetworkInterfaces[].Groups[].GroupName', match: all, one-of: [web, ssh]}"},
		{"older-than", "{attr: LaunchTime, older-than: 30d}"},
		{"glob", "{attr: IamInstanceProfile.Arn, glob: '*:instance-profile/web*'}"},
		{"absent", "{attr: IamInstanceProfile.Id, absent: true}"},
	} {
		src := "rules:\n  - name: r\n    pattern: {source: [aws.ec2]}\n    resources: [instance]\n    filters:\n      - " + bc.filter + "\n    actions: [start]\n"
		set, err := rules.Load("bench.yaml", []byte(src), rules.Options{})
		if err != nil {
			b.Fatal(err)
		}
		f := set.Rules[0].Filters[0]
		held := 0
		for _, r := range fleet {
			if f.Match(r, now) {
				held++
			}
		}
		if held == 0 && bc.name != "absent" {
			b.Fatalf("%s holds of no instance: the benchmark would measure a short cut", bc.name)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for i := 0; b.Loop(); i++ {
				if f.Match(fleet[i&(size-1)], now) {
					n++
				}
			}
			_ = n
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "evals/s")
		})
	}
}
