package mototest

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Fleet sets up and reads back EC2 instances on the server, through the real SDK, for tests
// that check what ec2guard did.
type Fleet struct {
	t     testing.TB
	Ctx   context.Context
	Cfg   aws.Config
	EC2   *ec2.Client
	image string
}

// NewFleet resets the server and returns a Fleet on it.
func NewFleet(t testing.TB) *Fleet {
	t.Helper()
	ctx := context.Background()
	if err := Current(t).Reset(ctx); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return &Fleet{t: t, Ctx: ctx, Cfg: cfg, EC2: ec2.NewFromConfig(cfg)}
}

// Run launches one instance with tags, stopping it when asked, and returns its id.
func (f *Fleet) Run(tags map[string]string, stopped bool) string {
	f.t.Helper()
	id := f.RunMany(1, tags)[0]
	if stopped {
		f.Stop(id)
	}
	return id
}

// RunMany launches n instances with tags in one call and returns their ids.
func (f *Fleet) RunMany(n int, tags map[string]string) []string {
	f.t.Helper()
	if f.image == "" {
		imgs, err := f.EC2.DescribeImages(f.Ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}, MaxResults: aws.Int32(5)})
		if err != nil || len(imgs.Images) == 0 {
			f.t.Fatalf("no AMI in moto: %v", err)
		}
		f.image = *imgs.Images[0].ImageId
	}
	in := &ec2.RunInstancesInput{ImageId: &f.image, MinCount: aws.Int32(int32(n)), MaxCount: aws.Int32(int32(n)), InstanceType: ec2types.InstanceTypeT3Micro}
	if len(tags) > 0 {
		spec := ec2types.TagSpecification{ResourceType: ec2types.ResourceTypeInstance}
		for k, v := range tags {
			spec.Tags = append(spec.Tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
		}
		in.TagSpecifications = []ec2types.TagSpecification{spec}
	}
	out, err := f.EC2.RunInstances(f.Ctx, in)
	if err != nil {
		f.t.Fatal(err)
	}
	ids := make([]string, 0, n)
	for _, i := range out.Instances {
		ids = append(ids, *i.InstanceId)
	}
	return ids
}

// Stop stops an instance.
func (f *Fleet) Stop(id string) {
	f.t.Helper()
	if _, err := f.EC2.StopInstances(f.Ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		f.t.Fatal(err)
	}
}

// State returns an instance's state name.
func (f *Fleet) State(id string) string {
	f.t.Helper()
	out, err := f.EC2.DescribeInstances(f.Ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		f.t.Fatal(err)
	}
	return string(out.Reservations[0].Instances[0].State.Name)
}

// Tags returns the tags of any EC2 resource.
func (f *Fleet) Tags(id string) map[string]string {
	f.t.Helper()
	out, err := f.EC2.DescribeTags(f.Ctx, &ec2.DescribeTagsInput{Filters: []ec2types.Filter{{Name: aws.String("resource-id"), Values: []string{id}}}})
	if err != nil {
		f.t.Fatal(err)
	}
	m := map[string]string{}
	for _, t := range out.Tags {
		m[*t.Key] = *t.Value
	}
	return m
}

// InAccount returns a Fleet in another account: its clients act through a role assumed there
// (moto keeps every account's resources apart, and an assumed role's credentials belong to the
// role's account).
func (f *Fleet) InAccount(account, role string) *Fleet {
	cfg := f.Cfg.Copy()
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(f.Cfg),
		"arn:aws:iam::"+account+":role/"+role, func(o *stscreds.AssumeRoleOptions) { o.RoleSessionName = "mototest" }))
	return &Fleet{t: f.t, Ctx: f.Ctx, Cfg: cfg, EC2: ec2.NewFromConfig(cfg)}
}

// Attached returns the ids of an instance's volumes and network interfaces, failing the test
// if it has none (moto gives every instance a root volume and a primary interface).
func (f *Fleet) Attached(id string) []string {
	f.t.Helper()
	out, err := f.EC2.DescribeInstances(f.Ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		f.t.Fatal(err)
	}
	var parts []string
	in := out.Reservations[0].Instances[0]
	for _, b := range in.BlockDeviceMappings {
		parts = append(parts, aws.ToString(b.Ebs.VolumeId))
	}
	for _, n := range in.NetworkInterfaces {
		parts = append(parts, aws.ToString(n.NetworkInterfaceId))
	}
	if len(parts) == 0 {
		f.t.Fatalf("moto gave %s no volume or network interface", id)
	}
	return parts
}
