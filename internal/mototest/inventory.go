package mototest

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Inventory is what the actions that destroy or snapshot may change, as the server describes
// it in the Fleet's region, as JSON: each instance's state and termination protection, each
// volume's state, the account's snapshots and their tags, the addresses and their
// associations. Tests compare it before and after a dry run.
func (f *Fleet) Inventory() string {
	f.t.Helper()
	ctx, cl := f.Ctx, f.EC2
	must := func(err error) {
		f.t.Helper()
		if err != nil {
			f.t.Fatal(err)
		}
	}
	out := map[string]any{}
	ins, err := cl.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
	must(err)
	for _, r := range ins.Reservations {
		for _, i := range r.Instances {
			a, err := cl.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: i.InstanceId, Attribute: ec2types.InstanceAttributeNameDisableApiTermination})
			must(err)
			out[*i.InstanceId] = []any{i.State.Name, aws.ToBool(a.DisableApiTermination.Value)}
		}
	}
	vols, err := cl.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{})
	must(err)
	for _, v := range vols.Volumes {
		out[*v.VolumeId] = v.State
	}
	snaps, err := cl.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}})
	must(err)
	for _, s := range snaps.Snapshots {
		out[*s.SnapshotId] = s.Tags
	}
	addrs, err := cl.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	must(err)
	for _, a := range addrs.Addresses {
		out[aws.ToString(a.AllocationId)+" "+aws.ToString(a.PublicIp)] = aws.ToString(a.AssociationId)
	}
	b, err := json.Marshal(out)
	must(err)
	return string(b)
}

// Volumes returns the ids of the EBS volumes attached to an instance.
func (f *Fleet) Volumes(id string) []string {
	f.t.Helper()
	var vols []string
	for _, v := range f.Attached(id) {
		if strings.HasPrefix(v, "vol-") {
			vols = append(vols, v)
		}
	}
	return vols
}

// SnapshotSources returns what each of the account's snapshots tagged key=value is of, as
// its tags say: "VOLUME INSTANCE", the values of volumeTag and instanceTag (an instance's
// absent for a volume's own), sorted. A snapshot whose volumeTag is not its volume fails the
// test.
func (f *Fleet) SnapshotSources(key, value, volumeTag, instanceTag string) []string {
	f.t.Helper()
	out, err := f.EC2.DescribeSnapshots(f.Ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"},
		Filters: []ec2types.Filter{{Name: aws.String("tag:" + key), Values: []string{value}}}})
	if err != nil {
		f.t.Fatal(err)
	}
	var got []string
	for _, s := range out.Snapshots {
		tags := map[string]string{}
		for _, tg := range s.Tags {
			tags[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		if tags[volumeTag] != aws.ToString(s.VolumeId) {
			f.t.Errorf("%s of %s is tagged with volume %q", aws.ToString(s.SnapshotId), aws.ToString(s.VolumeId), tags[volumeTag])
		}
		got = append(got, strings.TrimSpace(tags[volumeTag]+" "+tags[instanceTag]))
	}
	slices.Sort(got)
	return got
}
