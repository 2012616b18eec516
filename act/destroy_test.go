package act

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
)

// destroyCase is one action on one resource: the dry run and a held-back run leave moto as
// it was, the run applies (MayMutate asked once) with reason in its record, after says ""
// of moto then, and a second run skips.
type destroyCase struct {
	name, action string
	params       map[string]any
	kind         resource.Kind
	id           string
	reason       string
	after        func() string
}

func runDestroyCase(t *testing.T, f *mototest.Fleet, c *awsapi.Clients, tc destroyCase) engine.Result {
	t.Helper()
	ctx := context.Background()
	a := build(t, tc.action, tc.params)
	invOf := func(dry bool) engine.Invocation {
		t.Helper()
		r, err := c.Get(ctx, resource.Ref{Kind: tc.kind, ID: tc.id, Place: resource.Place{Region: mototest.Region}}, resource.NeedDescribe|a.(engine.Reading).Needs())
		if err != nil {
			t.Fatal(err)
		}
		return engine.Invocation{Rule: "r", Resource: r, DryRun: dry}
	}
	before := f.Inventory()
	if res := a.Do(ctx, invOf(true)); res.Outcome != engine.DryRun || !strings.HasPrefix(res.Reason, "would ") {
		t.Errorf("%s: dry run: %+v", tc.name, res)
	} else {
		t.Logf("%s: %s", tc.name, res.Reason)
	}
	if now := f.Inventory(); now != before {
		t.Errorf("%s: the dry run changed moto:\n%s\n%s", tc.name, before, now)
	}
	held := invOf(false)
	held.BeforeMutating = func(context.Context) error { return &engine.HeldBack{Reason: "blast radius"} }
	if res := a.Do(ctx, held); res.Outcome != engine.Suppressed || f.Inventory() != before {
		t.Errorf("%s: held back: %+v", tc.name, res)
	}
	asked := 0
	run := invOf(false)
	run.BeforeMutating = func(context.Context) error { asked++; return nil }
	res := a.Do(ctx, run)
	if res.Outcome != engine.Applied || !strings.Contains(res.Reason, tc.reason) || asked != 1 {
		t.Errorf("%s: %+v (MayMutate asked %d times), want applied with %q", tc.name, res, asked, tc.reason)
	}
	t.Logf("%s: %s", tc.name, res.Reason)
	if wrong := tc.after(); wrong != "" {
		t.Errorf("%s: after: %s", tc.name, wrong)
	}
	again := invOf(false)
	again.BeforeMutating = func(context.Context) error { t.Errorf("%s: a second run mutates", tc.name); return nil }
	if res := a.Do(ctx, again); res.Outcome != engine.Skipped {
		t.Errorf("%s: a second run: %+v, want skipped", tc.name, res)
	}
	return res
}

// ruleSnapshots are the snapshots rule "r" made, each "VOLUME INSTANCE" as its tags say.
func ruleSnapshots(t *testing.T, f *mototest.Fleet) []string {
	t.Helper()
	return f.SnapshotSources(awsapi.SnapshotRuleTag, "r", awsapi.SnapshotVolumeTag, awsapi.SnapshotInstanceTag)
}

// The destroying actions and snapshot on moto through the real SDK.
func TestDestroyActions(t *testing.T) {
	f := newFleet(t)
	c := awsapi.New()
	c.MaxBackoff = 1
	ctx := f.Ctx
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	zone := aws.String(mototest.Region + "a")
	vol := func() string {
		v, err := f.EC2.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: zone, Size: aws.Int32(8)})
		must(err)
		return *v.VolumeId
	}

	// snapshot: an instance's volumes, then a volume on its own
	snapped := f.Run(nil, false)
	vols := f.Volumes(snapped)
	if len(vols) == 0 {
		t.Fatalf("moto gave %s no EBS volume", snapped)
	}
	runDestroyCase(t, f, c, destroyCase{name: "snapshot of an instance", action: "snapshot", kind: resource.Instance, id: snapped,
		reason: " of " + snapped + " (tagged ec2guard:rule=r and the source)",
		after: func() string {
			want := make([]string, len(vols))
			for i, v := range vols {
				want[i] = v + " " + snapped
			}
			if got := ruleSnapshots(t, f); !slices.Equal(got, want) {
				return "the rule's snapshots are " + strings.Join(got, ", ") + ", want " + strings.Join(want, ", ")
			}
			return ""
		}})
	loose := vol()
	runDestroyCase(t, f, c, destroyCase{name: "snapshot of a volume", action: "snapshot", kind: resource.Volume, id: loose,
		reason: "snapshotted " + loose + " → snap-",
		after: func() string {
			if got := ruleSnapshots(t, f); !slices.Contains(got, loose) {
				return "no snapshot of " + loose + " by the rule: " + strings.Join(got, ", ")
			}
			return ""
		}})

	// terminate: a protected instance refused without force, terminated with it
	protected := f.Run(nil, false)
	on := true
	must(c.SetProtection(ctx, resource.Place{Region: mototest.Region}, protected, nil, &on))
	plain := build(t, "terminate", nil)
	r, err := c.Get(ctx, resource.Ref{Kind: resource.Instance, ID: protected, Place: resource.Place{Region: mototest.Region}}, resource.NeedDescribe|resource.NeedProtection)
	must(err)
	res := plain.Do(ctx, engine.Invocation{Rule: "r", Resource: r, BeforeMutating: func(context.Context) error { t.Error("terminate without force mutates"); return nil }})
	if res.Outcome != engine.Skipped || !res.Refused || !strings.Contains(res.Reason, "termination protection") {
		t.Errorf("terminate of a protected instance without force: %+v", res)
	}
	if st := f.State(protected); st != "running" {
		t.Errorf("the protected instance is %s after terminate without force", st)
	}
	runDestroyCase(t, f, c, destroyCase{name: "terminate with force", action: "terminate", params: map[string]any{"force": true}, kind: resource.Instance, id: protected,
		reason: "terminated " + protected + " (it was running, now shutting-down); its termination protection turned off first (DisableApiTermination true → false)",
		after: func() string {
			if st := f.State(protected); st != "terminated" && st != "shutting-down" {
				return protected + " is " + st
			}
			return ""
		}})
	// terminate with snapshot: a stopped instance, its volumes snapshotted first
	stopped := f.Run(nil, true)
	stoppedVols := f.Volumes(stopped)
	runDestroyCase(t, f, c, destroyCase{name: "terminate with snapshot", action: "terminate", params: map[string]any{"snapshot": true}, kind: resource.Instance, id: stopped,
		reason: "terminated " + stopped + " (it was stopped, now",
		after: func() string {
			got := ruleSnapshots(t, f)
			for _, v := range stoppedVols {
				if !slices.Contains(got, v+" "+stopped) {
					return "no snapshot of " + v + " of " + stopped + ": " + strings.Join(got, ", ")
				}
			}
			if st := f.State(stopped); st != "terminated" && st != "shutting-down" {
				return stopped + " is " + st
			}
			return ""
		}})

	// delete-volume: an available volume, snapshotted first; an attached one left
	free := vol()
	runDestroyCase(t, f, c, destroyCase{name: "delete-volume", action: "delete-volume", kind: resource.Volume, id: free,
		reason: "deleted " + free + " (available, 8 GiB); snapshotted first: " + free + " → snap-",
		after: func() string {
			if got := ruleSnapshots(t, f); !slices.Contains(got, free) {
				return "no snapshot of " + free + " left: " + strings.Join(got, ", ")
			}
			if _, err := f.EC2.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{free}}); err == nil {
				return free + " still exists"
			}
			return ""
		}})
	bare := vol()
	runDestroyCase(t, f, c, destroyCase{name: "delete-volume with no snapshot", action: "delete-volume", params: map[string]any{"snapshot": false}, kind: resource.Volume, id: bare,
		reason: "deleted " + bare + " (available, 8 GiB) with no snapshot (snapshot: false)",
		after: func() string {
			if got := ruleSnapshots(t, f); slices.Contains(got, bare) {
				return "a snapshot of " + bare + " was made"
			}
			return ""
		}})
	inUse := vols[0]
	dv := build(t, "delete-volume", nil)
	r, err = c.Get(ctx, resource.Ref{Kind: resource.Volume, ID: inUse, Place: resource.Place{Region: mototest.Region}}, resource.NeedDescribe)
	must(err)
	if res := dv.Do(ctx, engine.Invocation{Rule: "r", Resource: r}); res.Outcome != engine.Skipped || !strings.Contains(res.Reason, "in-use (attached to "+snapped+")") {
		t.Errorf("delete-volume of an attached volume: %+v", res)
	}

	// release-address: a free address released, an associated one left
	alloc := func() string {
		a, err := f.EC2.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
		must(err)
		return *a.AllocationId
	}
	freeIP, boundIP := alloc(), alloc()
	_, err = f.EC2.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: &boundIP, InstanceId: &snapped})
	must(err)
	runDestroyCase(t, f, c, destroyCase{name: "release-address", action: "release-address", kind: resource.Address, id: freeIP,
		reason: "(" + freeIP + "), associated with nothing",
		after: func() string {
			if _, err := f.EC2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{freeIP}}); err == nil {
				return freeIP + " is still allocated"
			}
			return ""
		}})
	ra := build(t, "release-address", nil)
	r, err = c.Get(ctx, resource.Ref{Kind: resource.Address, ID: boundIP, Place: resource.Place{Region: mototest.Region}}, resource.NeedDescribe)
	must(err)
	if res := ra.Do(ctx, engine.Invocation{Rule: "r", Resource: r}); res.Outcome != engine.Skipped || !strings.Contains(res.Reason, "in use (AssociationId eipassoc-") {
		t.Errorf("release-address of an associated address: %+v", res)
	}
}
