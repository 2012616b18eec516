package awsapi_test

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
)

// An instance's volumes and a lone volume snapshotted on moto: one snapshot per volume, of
// that volume, tagged at creation with the rule and the source; a volume that is gone stops
// the run with ErrNotFound, and the snapshots made before it are returned.
func TestSnapshotVolumes(t *testing.T) {
	f := mototest.NewFleet(t)
	ctx := context.Background()
	at := resource.Place{Region: mototest.Region}
	c := newClients()

	id := f.Run(nil, false)
	in, err := c.DescribeInstance(ctx, at, id)
	if err != nil {
		t.Fatal(err)
	}
	zone := "us-east-1a"
	extra, err := f.EC2.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: &zone, Size: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	lone, err := f.EC2.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: &zone, Size: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.EC2.AttachVolume(ctx, &ec2.AttachVolumeInput{InstanceId: &id, VolumeId: extra.VolumeId, Device: aws.String("/dev/sdf")}); err != nil {
		t.Fatal(err)
	}
	if len(in.VolumeIDs) == 0 {
		t.Fatalf("moto gave %s no root volume", id)
	}
	vols := append(in.VolumeIDs, *extra.VolumeId)

	made, err := c.SnapshotVolumes(ctx, at, awsapi.SnapshotSource{Rule: "forensics", Instance: id, Volumes: vols, Tags: map[string]string{"why": "quarantined"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(made) != len(vols) {
		t.Fatalf("%d snapshots for %d volumes: %v", len(made), len(vols), made)
	}
	for i, s := range made {
		if s.Volume != vols[i] {
			t.Errorf("snapshot %d is of %s, want %s", i, s.Volume, vols[i])
		}
		checkSnapshot(t, f, s, map[string]string{"ec2guard:rule": "forensics", "ec2guard:source-volume": vols[i], "ec2guard:source-instance": id, "why": "quarantined"})
	}

	one, err := c.SnapshotVolumes(ctx, at, awsapi.SnapshotSource{Rule: "keep", Volumes: []string{*lone.VolumeId}})
	if err != nil || len(one) != 1 {
		t.Fatalf("lone volume: %v, %v", one, err)
	}
	checkSnapshot(t, f, one[0], map[string]string{"ec2guard:rule": "keep", "ec2guard:source-volume": *lone.VolumeId})

	part, err := c.SnapshotVolumes(ctx, at, awsapi.SnapshotSource{Rule: "keep", Volumes: []string{*lone.VolumeId, "vol-0123456789abcdef0", *extra.VolumeId}})
	if !errors.Is(err, awsapi.ErrNotFound) {
		t.Errorf("a volume that does not exist: %v, want ErrNotFound", err)
	}
	if len(part) != 1 || part[0].Volume != *lone.VolumeId {
		t.Errorf("made before the failure: %v, want one of %s", part, *lone.VolumeId)
	}
	if _, err := c.SnapshotVolumes(ctx, at, awsapi.SnapshotSource{Rule: "keep"}); err == nil {
		t.Error("no volume: no error")
	}
}

func checkSnapshot(t *testing.T, f *mototest.Fleet, s awsapi.Snapshot, tags map[string]string) {
	t.Helper()
	out, err := f.EC2.DescribeSnapshots(f.Ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{s.ID}})
	if err != nil || len(out.Snapshots) != 1 {
		t.Fatalf("snapshot %s: %v, %v", s.ID, out, err)
	}
	if got := aws.ToString(out.Snapshots[0].VolumeId); got != s.Volume {
		t.Errorf("snapshot %s is of %s in EC2, %s said", s.ID, got, s.Volume)
	}
	if got := f.Tags(s.ID); !maps.Equal(got, tags) {
		t.Errorf("snapshot %s tags %v, want %v", s.ID, got, tags)
	}
}
