package act

import (
	"context"
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

// A rule whose first action changes the instance has its second decide on the instance as
// changed (engine.Invocation.Reread), not on the handling's one read: termination protection
// turned on is not terminated through, and turned off (by an earlier rule) is terminated.
func TestRereadProtectThenTerminate(t *testing.T) {
	f := newFleet(t)
	at := resource.Place{Region: mototest.Region}
	for _, tc := range []struct {
		name, rules string
		protected   bool // before the event
		terminated  bool // after it
		want        string
	}{
		{name: "protect, then terminate", rules: `rules:
  - name: guard
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    actions: [{protect: {termination: true}}, terminate]
    mode: enforce
`, want: "has termination protection (DisableApiTermination): not terminated"},
		{name: "an earlier rule unprotects, a later one terminates", protected: true, terminated: true, rules: `rules:
  - name: unprotect
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    actions: [{protect: {termination: false}}]
    mode: enforce
  - name: end
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    actions: [terminate]
    mode: enforce
`, want: "terminated "},
	} {
		id := f.Run(nil, false)
		if tc.protected {
			on := true
			if err := awsapi.New().SetProtection(f.Ctx, at, id, nil, &on); err != nil {
				t.Fatal(err)
			}
		}
		ds := newEngine(t, tc.rules, nil, nil).Handle(context.Background(), stateChangeEvent(t, "e-"+id, id, "running"))
		if len(ds) != 2 || ds[0].Outcome != engine.Applied {
			t.Fatalf("%s: %+v, want protect applied, then terminate", tc.name, ds)
		}
		want := engine.Skipped
		if tc.terminated {
			want = engine.Applied
		}
		if d := ds[1]; d.Action != "terminate" || d.Outcome != want || !strings.Contains(d.Reason, tc.want) {
			t.Errorf("%s: terminate: %s %q (%s), want %s with %q", tc.name, d.Outcome, d.Reason, d.Error, want, tc.want)
		}
		st := f.State(id)
		if gone := st == "terminated" || st == "shutting-down"; gone != tc.terminated {
			t.Errorf("%s: %s is %s after the handling", tc.name, id, st)
		}
	}
}

// staleCase is a mutating action handed a read of its resource from before an earlier action
// of the handling changed it (change): on that read alone it would act (its dry run says
// so); told to read again (Reread) it decides on the resource as it is, and skips (want).
type staleCase struct {
	name, action string
	params       map[string]any
	kind         resource.Kind
	id           string
	change       func()
	want         string
}

func runStaleCase(t *testing.T, c *awsapi.Clients, tc staleCase) {
	t.Helper()
	ctx := context.Background()
	a := build(t, tc.action, tc.params)
	stale, err := c.Get(ctx, resource.Ref{Kind: tc.kind, ID: tc.id, Place: resource.Place{Region: mototest.Region}}, resource.NeedDescribe|a.(engine.Reading).Needs())
	if err != nil {
		t.Fatal(err)
	}
	tc.change()
	if res := a.Do(ctx, engine.Invocation{Rule: "r", Resource: stale, DryRun: true}); res.Outcome != engine.DryRun {
		t.Fatalf("%s: the stale read, not told to read again: %+v, want a dry run (the case tests nothing)", tc.name, res)
	}
	res := a.Do(ctx, engine.Invocation{Rule: "r", Resource: stale, Reread: true,
		BeforeMutating: func(context.Context) error { t.Errorf("%s: acts on the stale read", tc.name); return nil }})
	if res.Outcome != engine.Skipped || !strings.Contains(res.Reason, tc.want) {
		t.Errorf("%s: told to read again: %s %q (%v), want skipped with %q", tc.name, res.Outcome, res.Reason, res.Err, tc.want)
	}
}

// Every mutating action that decides on the engine's read of its resource reads it again when
// told (Reread), on moto through the real SDK.
func TestRereadStale(t *testing.T) {
	f := newFleet(t)
	m := f.Mixed()
	s := mototest.NewAccountSettings(t)
	c := awsapi.New()
	c.MaxBackoff = 1
	ctx := f.Ctx
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	at := resource.Place{Region: mototest.Region}
	zone := aws.String(mototest.Region + "a")
	vol := func() string {
		v, err := f.EC2.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: zone, Size: aws.Int32(8)})
		must(v, err)
		return *v.VolumeId
	}
	running := f.Run(nil, false)
	loose, attached := vol(), vol()
	protected, quarantined := f.Run(nil, false), f.Run(nil, false)
	account := mototest.AccountID
	for _, tc := range []staleCase{
		{name: "release-address of an address associated since", action: "release-address", kind: resource.Address, id: m.FreeAddress,
			change: func() {
				must(f.EC2.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: &m.FreeAddress, InstanceId: &running}))
			}, want: "is in use (AssociationId eipassoc-"},
		{name: "delete-volume of a volume attached since", action: "delete-volume", kind: resource.Volume, id: attached,
			change: func() {
				must(f.EC2.AttachVolume(ctx, &ec2.AttachVolumeInput{VolumeId: &attached, InstanceId: &running, Device: aws.String("/dev/sdf")}))
			}, want: attached + " is in-use (attached to " + running + ")"},
		{name: "terminate of an instance protected since", action: "terminate", kind: resource.Instance, id: protected,
			change: func() {
				on := true
				must(nil, c.SetProtection(ctx, at, protected, nil, &on))
			}, want: "has termination protection"},
		{name: "snapshot of a volume deleted since", action: "snapshot", kind: resource.Volume, id: loose,
			change: func() { must(f.EC2.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: &loose})) },
			want:   "volume " + loose + " no longer exists"},
		{name: "quarantine of an instance quarantined since", action: "quarantine", kind: resource.Instance, id: quarantined,
			change: func() {
				r, err := c.Get(ctx, resource.Ref{Kind: resource.Instance, ID: quarantined, Place: at}, resource.NeedDescribe)
				must(r, err)
				if res := build(t, "quarantine", nil).Do(ctx, engine.Invocation{Rule: "r", Resource: r}); res.Outcome != engine.Applied {
					t.Fatalf("quarantine: %+v", res)
				}
			}, want: quarantined + " is quarantined already"},
		{name: "make-private of a snapshot made private since", action: "make-private", kind: resource.Snapshot, id: m.PublicSnapshot,
			change: func() {
				must(f.EC2.ModifySnapshotAttribute(ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: &m.PublicSnapshot, Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission,
					OperationType: ec2types.OperationTypeRemove, GroupNames: []string{"all"}}))
			}, want: "is not shared with everyone"},
		{name: "require-imdsv2 of an instance that requires it since", action: "require-imdsv2", kind: resource.Instance, id: m.IMDSv1,
			change: func() {
				must(f.EC2.ModifyInstanceMetadataOptions(ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: &m.IMDSv1, HttpTokens: ec2types.HttpTokensStateRequired}))
			}, want: "requires IMDSv2 already"},
		{name: "enable-ebs-encryption-by-default turned on since", action: "enable-ebs-encryption-by-default", kind: resource.Account, id: account,
			change: func() { must(f.EC2.EnableEbsEncryptionByDefault(ctx, &ec2.EnableEbsEncryptionByDefaultInput{})) },
			want:   "EBS encryption by default is on already"},
		{name: "block-public-access turned on since", action: "block-public-access", params: map[string]any{"for": []any{"snapshots"}}, kind: resource.Account, id: account,
			change: func() {
				s.Set(mototest.Region, func(st *mototest.Settings) { st.SnapshotBlockPublicAccess = "block-all-sharing" })
			}, want: "block public access is on already"},
	} {
		runStaleCase(t, c, tc)
	}
	if _, err := f.EC2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{m.FreeAddress}}); err != nil {
		t.Errorf("the address associated since is gone: %v", err)
	}
}

// tag shares one read of an event's resources among its runs on the event's targets; a
// target an earlier action of the handling changed (a later rule's terminate) is read again,
// not tagged on the shared read of it from before.
func TestRereadTag(t *testing.T) {
	f := newFleet(t)
	fleet := f.RunMany(2, nil)
	r, at, _ := launched(t, f, fleet[0])
	ev := runEvent(t, "ct-reread", at, alice, r, fleet...)
	wantResult(t, tagAction(t, awsapi.New(), nil, ownerTags).Do(f.Ctx, on(fleet[0], "instance", false, ev)), engine.Applied, fleet[0]) // reads both
	if _, err := f.EC2.TerminateInstances(f.Ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{fleet[1]}}); err != nil {
		t.Fatal(err)
	}
	team := tagAction(t, awsapi.New(), nil, map[string]any{"tags": map[string]any{"Team": "web"}})
	later := on(fleet[1], "instance", false, ev)
	later.Reread = true
	later.BeforeMutating = func(context.Context) error {
		t.Error("tag tags an instance terminated since the shared read")
		return nil
	}
	wantResult(t, team.Do(f.Ctx, later), engine.Skipped, "never tagged")
	if tags := f.Tags(fleet[1]); tags["Team"] != "" {
		t.Errorf("%s tagged after its termination: %v", fleet[1], tags)
	}
}
