package awsapi

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/resource"
)

// SetTag writes one of ec2guard's own tags on a resource (a pending action's mark), whatever
// the resource had under that key.
func (c *Clients) SetTag(ctx context.Context, ref resource.Ref, key, value string) error {
	cl, err := c.ec2At(ctx, ref.Place)
	if err != nil {
		return err
	}
	_, err = cl.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{ref.ID}, Tags: []ec2types.Tag{{Key: aws.String(key), Value: aws.String(value)}}})
	if err != nil {
		if denied(err) {
			return fmt.Errorf("tagging %s with %s: %w: %w", ref.ID, key, ErrDenied, err)
		}
		return fmt.Errorf("tagging %s with %s: %w", ref.ID, key, err)
	}
	return nil
}

// DeleteTag removes one of ec2guard's own tags from a resource.
func (c *Clients) DeleteTag(ctx context.Context, ref resource.Ref, key string) error {
	cl, err := c.ec2At(ctx, ref.Place)
	if err != nil {
		return err
	}
	_, err = cl.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{ref.ID}, Tags: []ec2types.Tag{{Key: aws.String(key)}}})
	if err != nil {
		if denied(err) {
			return fmt.Errorf("removing tag %s from %s: %w: %w", key, ref.ID, ErrDenied, err)
		}
		return fmt.Errorf("removing tag %s from %s: %w", key, ref.ID, err)
	}
	return nil
}
