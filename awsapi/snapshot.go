package awsapi

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/resource"
)

// The tags ec2guard puts on a snapshot it makes: the rule that made it and what it is of, so
// that an operator finds the snapshots of a terminated instance or a deleted volume by them.
const (
	SnapshotRuleTag     = "ec2guard:rule"
	SnapshotVolumeTag   = "ec2guard:source-volume"
	SnapshotInstanceTag = "ec2guard:source-instance"
)

// SnapshotSource is what a snapshot is taken of, and why: volumes, of one instance when
// Instance is set, by a rule.
type SnapshotSource struct {
	Rule     string
	Instance string   // "" for volumes snapshotted on their own
	Volumes  []string // the instance's volumes as read now, or the one volume
	// Tags are added to each snapshot besides ec2guard's own (a quarantine's reason).
	Tags map[string]string
}

// Snapshot is a snapshot ec2guard made, and the volume it is of.
type Snapshot struct {
	ID, Volume string
}

// SnapshotVolumes snapshots each volume of src, tagged at creation with the rule and the
// source (SnapshotRuleTag, SnapshotVolumeTag, SnapshotInstanceTag), and returns the snapshots
// made, in the order of src.Volumes. It takes one CreateSnapshot per volume rather than one
// CreateSnapshots of the instance: each snapshot's tags then name its own volume from the
// start (CreateSnapshots gives every snapshot the same tags), which a grant conditioned on
// ec2:CreateAction allows without a CreateTags on existing snapshots. The snapshots are
// started, not completed (their state is pending). When one fails it goes on with none of the
// rest and returns those made so far with the error: the caller records what exists.
func (c *Clients) SnapshotVolumes(ctx context.Context, at resource.Place, src SnapshotSource) ([]Snapshot, error) {
	if len(src.Volumes) == 0 {
		return nil, errors.New("snapshotting: no volume")
	}
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return nil, err
	}
	made := make([]Snapshot, 0, len(src.Volumes))
	for _, vol := range src.Volumes {
		tags := map[string]string{}
		for k, v := range src.Tags {
			tags[k] = v
		}
		tags[SnapshotRuleTag] = src.Rule
		tags[SnapshotVolumeTag] = vol
		desc := "ec2guard: rule " + src.Rule + ": volume " + vol
		if src.Instance != "" {
			tags[SnapshotInstanceTag] = src.Instance
			desc += " of instance " + src.Instance
		}
		in := &ec2.CreateSnapshotInput{VolumeId: aws.String(vol), Description: aws.String(desc),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSnapshot, Tags: ec2Tags(tags)}}}
		out, err := cl.CreateSnapshot(ctx, in)
		if err != nil {
			switch {
			case notFound(err):
				err = fmt.Errorf("volume %s: %w: %w", vol, ErrNotFound, err)
			case denied(err):
				err = fmt.Errorf("snapshotting volume %s: %w: %w", vol, ErrDenied, err)
			default:
				err = fmt.Errorf("snapshotting volume %s: %w", vol, err)
			}
			return made, err
		}
		made = append(made, Snapshot{ID: aws.ToString(out.SnapshotId), Volume: vol})
	}
	return made, nil
}

// ec2Tags is a tag map as EC2's list, in no particular order.
func ec2Tags(m map[string]string) []ec2types.Tag {
	tags := make([]ec2types.Tag, 0, len(m))
	for k, v := range m {
		tags = append(tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return tags
}
