package awsapi

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/resource"
)

// Created is a resource as EC2 records its creation, read to check what a CloudTrail event
// claims a call created (the tag action).
type Created struct {
	Kind  resource.Kind
	ID    string
	State string // instance, volume, snapshot or image state
	// Time is when EC2 says the resource came to be: an instance's first launch (the attach
	// time of its primary network interface: LaunchTime is its last start), a volume's
	// CreateTime, a snapshot's StartTime, an image's CreationDate.
	Time        time.Time
	Tags        map[string]string
	Reservation string // instance
	VolumeID    string // snapshot: the volume it was taken of
	Source      string // image: the instance CreateImage made it of, where EC2 records it
	// Parts: an instance's volumes and network interfaces, an image's snapshots.
	Parts []Part
}

// Part is a resource that came with another: a volume or network interface attached to an
// instance, a snapshot behind an image.
type Part struct {
	Kind     resource.Kind // volume, network-interface, snapshot
	ID       string
	Attached time.Time // volumes and network interfaces: when attached to the instance
	Time     time.Time // volume CreateTime, snapshot StartTime; zero for a network interface
	// Device is a volume's device name or "eth" and a network interface's device index.
	Device              string
	DeleteOnTermination bool
	State               string // volume or snapshot state
	Tags                map[string]string
	// Read: the part's own record was found (a volume among the account's volumes, a
	// snapshot among its own snapshots).
	Read bool
}

// batchSize is the most values one EC2 Describe filter takes.
const batchSize = 200

// CreatedResources reads the resources of one kind (instance, volume, snapshot, image) by id,
// in as few calls as EC2 allows (one Describe per 200 ids, and one for all their parts), by
// filters rather than ids: an id EC2 does not know is absent from the answer, not an error
// that hides the others. Snapshots and images are read among the account's own only (a
// public image is not the account's to claim).
func (c *Clients) CreatedResources(ctx context.Context, at resource.Place, kind resource.Kind, ids []string) (map[string]*Created, error) {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return nil, err
	}
	out := map[string]*Created{}
	for chunk := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(ids))), batchSize) {
		switch kind {
		case resource.Instance:
			err = launches(ctx, cl, chunk, out)
		case resource.Volume:
			err = volumes(ctx, cl, chunk, func(v *Created) { out[v.ID] = v })
		case resource.Snapshot:
			err = snapshots(ctx, cl, chunk, func(s *Created) { out[s.ID] = s })
		case resource.Image:
			err = images(ctx, cl, chunk, out)
		default:
			return nil, fmt.Errorf("reading a %s: not a kind a call creates", kind)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func filter(name string, values []string) []ec2types.Filter {
	return []ec2types.Filter{{Name: aws.String(name), Values: values}}
}

func launches(ctx context.Context, cl *ec2.Client, ids []string, out map[string]*Created) error {
	var vols, enis []string
	p := ec2.NewDescribeInstancesPaginator(cl, &ec2.DescribeInstancesInput{Filters: filter("instance-id", ids)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describing instances %v: %w", ids, err)
		}
		for _, r := range page.Reservations {
			for _, in := range r.Instances {
				c := &Created{Kind: resource.Instance, ID: aws.ToString(in.InstanceId), Reservation: aws.ToString(r.ReservationId), Tags: tagMap(in.Tags), Time: aws.ToTime(in.LaunchTime)}
				if in.State != nil {
					c.State = string(in.State.Name)
				}
				for _, b := range in.BlockDeviceMappings {
					if b.Ebs == nil || b.Ebs.VolumeId == nil {
						continue
					}
					c.Parts = append(c.Parts, Part{Kind: resource.Volume, ID: *b.Ebs.VolumeId, Device: aws.ToString(b.DeviceName),
						Attached: aws.ToTime(b.Ebs.AttachTime), DeleteOnTermination: aws.ToBool(b.Ebs.DeleteOnTermination)})
					vols = append(vols, *b.Ebs.VolumeId)
				}
				for _, n := range in.NetworkInterfaces {
					if n.NetworkInterfaceId == nil {
						continue
					}
					part := Part{Kind: resource.NetworkInterface, ID: *n.NetworkInterfaceId}
					if a := n.Attachment; a != nil {
						part.Attached, part.DeleteOnTermination = aws.ToTime(a.AttachTime), aws.ToBool(a.DeleteOnTermination)
						part.Device = fmt.Sprint("eth", aws.ToInt32(a.DeviceIndex))
						// AWS: "LaunchTime: the time that the instance was last launched. To
						// determine the time that an instance was first launched, see the
						// attachment time for the primary network interface."
						if aws.ToInt32(a.DeviceIndex) == 0 && !part.Attached.IsZero() {
							c.Time = part.Attached
						}
					}
					c.Parts = append(c.Parts, part)
					enis = append(enis, part.ID)
				}
				out[c.ID] = c
			}
		}
	}
	// The parts' own records: a volume's CreateTime and tags, an interface's tags, each in
	// one call for every instance of the batch.
	vol := map[string]*Created{}
	for chunk := range slices.Chunk(vols, batchSize) {
		if err := volumes(ctx, cl, chunk, func(v *Created) { vol[v.ID] = v }); err != nil {
			return err
		}
	}
	eniTags := map[string]map[string]string{}
	for chunk := range slices.Chunk(enis, batchSize) {
		p := ec2.NewDescribeTagsPaginator(cl, &ec2.DescribeTagsInput{Filters: filter("resource-id", chunk)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return fmt.Errorf("describing tags of %v: %w", chunk, err)
			}
			for _, t := range page.Tags {
				id := aws.ToString(t.ResourceId)
				if eniTags[id] == nil {
					eniTags[id] = map[string]string{}
				}
				eniTags[id][aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
		}
	}
	for _, c := range out {
		for i := range c.Parts {
			pt := &c.Parts[i]
			switch pt.Kind {
			case resource.Volume:
				if v := vol[pt.ID]; v != nil {
					pt.Time, pt.Tags, pt.State, pt.Read = v.Time, v.Tags, v.State, true
				}
			case resource.NetworkInterface:
				pt.Tags, pt.Read = eniTags[pt.ID], true
			}
			if pt.Tags == nil {
				pt.Tags = map[string]string{}
			}
		}
	}
	return nil
}

func volumes(ctx context.Context, cl *ec2.Client, ids []string, add func(*Created)) error {
	p := ec2.NewDescribeVolumesPaginator(cl, &ec2.DescribeVolumesInput{Filters: filter("volume-id", ids)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describing volumes %v: %w", ids, err)
		}
		for _, v := range page.Volumes {
			add(&Created{Kind: resource.Volume, ID: aws.ToString(v.VolumeId), State: string(v.State), Time: aws.ToTime(v.CreateTime), Tags: tagMap(v.Tags)})
		}
	}
	return nil
}

func snapshots(ctx context.Context, cl *ec2.Client, ids []string, add func(*Created)) error {
	p := ec2.NewDescribeSnapshotsPaginator(cl, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: filter("snapshot-id", ids)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("describing snapshots %v: %w", ids, err)
		}
		for _, s := range page.Snapshots {
			add(&Created{Kind: resource.Snapshot, ID: aws.ToString(s.SnapshotId), State: string(s.State), Time: aws.ToTime(s.StartTime),
				VolumeID: aws.ToString(s.VolumeId), Tags: tagMap(s.Tags)})
		}
	}
	return nil
}

func images(ctx context.Context, cl *ec2.Client, ids []string, out map[string]*Created) error {
	// DescribeImages has no paginator over filters in every SDK version; ask once per batch.
	res, err := cl.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}, Filters: filter("image-id", ids)})
	if err != nil {
		return fmt.Errorf("describing images %v: %w", ids, err)
	}
	var snaps []string
	for _, img := range res.Images {
		c := &Created{Kind: resource.Image, ID: aws.ToString(img.ImageId), State: string(img.State), Tags: tagMap(img.Tags), Source: aws.ToString(img.SourceInstanceId)}
		if t, err := time.Parse(time.RFC3339, aws.ToString(img.CreationDate)); err == nil {
			c.Time = t
		}
		for _, b := range img.BlockDeviceMappings {
			if b.Ebs != nil && b.Ebs.SnapshotId != nil {
				c.Parts = append(c.Parts, Part{Kind: resource.Snapshot, ID: *b.Ebs.SnapshotId, Device: aws.ToString(b.DeviceName)})
				snaps = append(snaps, *b.Ebs.SnapshotId)
			}
		}
		out[c.ID] = c
	}
	snap := map[string]*Created{}
	for chunk := range slices.Chunk(snaps, batchSize) {
		if err := snapshots(ctx, cl, chunk, func(s *Created) { snap[s.ID] = s }); err != nil {
			return err
		}
	}
	for _, c := range out {
		for i := range c.Parts {
			pt := &c.Parts[i]
			pt.Tags = map[string]string{}
			if s := snap[pt.ID]; s != nil {
				pt.Time, pt.Tags, pt.State, pt.Read = s.Time, s.Tags, s.State, true
			}
		}
	}
	return nil
}
