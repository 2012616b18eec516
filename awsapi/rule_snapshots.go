package awsapi

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/resource"
)

// RuleSnapshots returns, by volume, a snapshot of the account's that rule made of each of
// the volumes (by SnapshotRuleTag and SnapshotVolumeTag), pending or completed; a volume the
// rule has none of is absent. An action that snapshots asks it first, so that a second run,
// or a run after one that snapshotted and failed before it destroyed, does not snapshot again.
func (c *Clients) RuleSnapshots(ctx context.Context, at resource.Place, rule string, volumes []string) (map[string]string, error) {
	if len(volumes) == 0 {
		return map[string]string{}, nil
	}
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return nil, err
	}
	in := &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: []ec2types.Filter{
		{Name: aws.String("tag:" + SnapshotRuleTag), Values: []string{rule}},
		{Name: aws.String("tag:" + SnapshotVolumeTag), Values: volumes},
	}}
	found := map[string]string{}
	for p := ec2.NewDescribeSnapshotsPaginator(cl, in); p.HasMorePages(); {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("finding the snapshots of rule %s: %w", rule, err)
		}
		for _, s := range out.Snapshots {
			if s.State == ec2types.SnapshotStateError {
				continue // no copy
			}
			for _, t := range s.Tags {
				if aws.ToString(t.Key) == SnapshotVolumeTag {
					found[aws.ToString(t.Value)] = aws.ToString(s.SnapshotId)
				}
			}
		}
	}
	return found, nil
}
