package awsapi_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/internal/faultproxy"
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

// A destroying call whose first answer is lost (it took effect; the client gave up on it)
// is retried by the SDK and the retry finds the resource gone: the call did what it was
// asked, not "not found". A resource gone before the call is still ErrNotFound.
func TestDestroyingCallsRetriedAfterALostAnswer(t *testing.T) {
	f := mototest.NewFleet(t)
	ctx := context.Background()
	at := resource.Place{Region: mototest.Region}
	zone := "us-east-1a"
	vol, err := f.EC2.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: &zone, Size: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := f.EC2.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}
	late := func(op string) faultproxy.Rule {
		return faultproxy.Rule{Service: "ec2", Operation: op, Rate: 1, Times: 1, Delay: 2 * time.Second, Faults: []faultproxy.Fault{faultproxy.LateAnswer}}
	}
	p, err := faultproxy.Start(os.Getenv("AWS_ENDPOINT_URL"), 1, late("DeleteVolume"), late("ReleaseAddress"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	t.Setenv("AWS_ENDPOINT_URL", p.URL)
	c := awsapi.New()
	c.AttemptTimeout, c.MaxBackoff = 300*time.Millisecond, 1

	if err := c.DeleteVolume(ctx, at, *vol.VolumeId); err != nil {
		t.Errorf("deleting a volume whose first answer was lost: %v", err)
	}
	if err := c.ReleaseAddress(ctx, at, *addr.AllocationId); err != nil {
		t.Errorf("releasing an address whose first answer was lost: %v", err)
	}
	for _, op := range []string{"DeleteVolume", "ReleaseAddress"} {
		var n int
		for _, call := range p.Calls() {
			if call.Operation == op {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%s: %d attempts, want the lost one and its retry", op, n)
		}
	}
	if _, err := f.EC2.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{*vol.VolumeId}}); err == nil {
		t.Errorf("volume %s still there", *vol.VolumeId)
	}
	// Gone before the call: one attempt, ErrNotFound.
	if err := c.DeleteVolume(ctx, at, *vol.VolumeId); !errors.Is(err, awsapi.ErrNotFound) {
		t.Errorf("deleting it again: %v, want ErrNotFound", err)
	}
	if err := c.ReleaseAddress(ctx, at, *addr.AllocationId); !errors.Is(err, awsapi.ErrNotFound) {
		t.Errorf("releasing it again: %v, want ErrNotFound", err)
	}
}
