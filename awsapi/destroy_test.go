package awsapi_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
)

// The destroying calls on moto: what they destroy is gone, and what AWS refuses comes back as
// ErrProtected, ErrInUse or ErrNotFound.
func TestDestroyingCalls(t *testing.T) {
	f := mototest.NewFleet(t)
	ctx := context.Background()
	at := resource.Place{Region: mototest.Region}
	c := newClients()

	kept, gone := f.Run(nil, false), f.Run(nil, true)
	if err := c.SetProtection(ctx, at, kept, nil, aws.Bool(true)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TerminateInstance(ctx, at, kept); !errors.Is(err, awsapi.ErrProtected) {
		t.Errorf("terminating a protected instance: %v, want ErrProtected", err)
	}
	if s := f.State(kept); s != "running" {
		t.Errorf("protected instance %s", s)
	}
	if st, err := c.TerminateInstance(ctx, at, gone); err != nil || (st != resource.ShuttingDown && st != resource.Terminated) {
		t.Errorf("terminating: %q, %v", st, err)
	}
	if s := f.State(gone); s != "terminated" {
		t.Errorf("terminated instance is %s", s)
	}

	zone := "us-east-1a"
	vol, err := f.EC2.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: &zone, Size: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	root := f.Attached(kept)[0]
	if err := c.DeleteVolume(ctx, at, root); !errors.Is(err, awsapi.ErrInUse) {
		t.Errorf("deleting an attached volume: %v, want ErrInUse", err)
	}
	if err := c.DeleteVolume(ctx, at, *vol.VolumeId); err != nil {
		t.Errorf("deleting an available volume: %v", err)
	}
	if _, err := f.EC2.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{*vol.VolumeId}}); err == nil {
		t.Errorf("volume %s still there", *vol.VolumeId)
	}
	if err := c.DeleteVolume(ctx, at, *vol.VolumeId); !errors.Is(err, awsapi.ErrNotFound) {
		t.Errorf("deleting it again: %v, want ErrNotFound", err)
	}

	eip, err := f.EC2.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ReleaseAddress(ctx, at, *eip.AllocationId); err != nil {
		t.Errorf("releasing: %v", err)
	}
	out, err := f.EC2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range out.Addresses {
		if aws.ToString(a.AllocationId) == *eip.AllocationId {
			t.Errorf("address %s still allocated", *eip.AllocationId)
		}
	}
	if err := c.ReleaseAddress(ctx, at, *eip.AllocationId); !errors.Is(err, awsapi.ErrNotFound) {
		t.Errorf("releasing it again: %v, want ErrNotFound", err)
	}
}
