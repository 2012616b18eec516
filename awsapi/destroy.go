package awsapi

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"

	"github.com/ec2guard/ec2guard/resource"
)

// The calls that destroy: terminate an instance, delete a volume, release an Elastic IP. Each
// is one call; the actions decide, on the resource as read now, whether to make it, and AWS
// refuses what is no longer true (an address associated since, a volume attached since).

// ErrInUse is returned when AWS refuses to destroy what is in use now: a volume attached, an
// address associated.
var ErrInUse = errors.New("in use")

// ErrProtected is returned when AWS refuses to terminate an instance with termination
// protection (DisableApiTermination).
var ErrProtected = errors.New("termination protected")

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// destroyErr wraps the error of a destroying call in the sentinel its code means.
func destroyErr(doing string, err error) error {
	code := errorCode(err)
	switch {
	case notFound(err):
		return fmt.Errorf("%s: %w: %w", doing, ErrNotFound, err)
	case denied(err):
		return fmt.Errorf("%s: %w: %w", doing, ErrDenied, err)
	case code == "VolumeInUse" || strings.HasSuffix(code, ".InUse"):
		return fmt.Errorf("%s: %w: %w", doing, ErrInUse, err)
	case code == "OperationNotPermitted":
		return fmt.Errorf("%s: %w: %w", doing, ErrProtected, err)
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// TerminateInstance terminates an instance and returns the state AWS says it is in now
// (shutting-down, or terminated); ErrProtected when termination protection refuses it.
func (c *Clients) TerminateInstance(ctx context.Context, at resource.Place, id string) (resource.State, error) {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return "", err
	}
	out, err := cl.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return "", destroyErr("terminating "+id, err)
	}
	for _, s := range out.TerminatingInstances {
		if aws.ToString(s.InstanceId) == id && s.CurrentState != nil {
			return resource.State(s.CurrentState.Name), nil
		}
	}
	return resource.ShuttingDown, nil
}

// DeleteVolume deletes a volume; ErrInUse when it is attached.
func (c *Clients) DeleteVolume(ctx context.Context, at resource.Place, id string) error {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return err
	}
	if _, err := cl.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(id)}); err != nil {
		return destroyErr("deleting volume "+id, err)
	}
	return nil
}

// ReleaseAddress releases an Elastic IP by its allocation id (eipalloc-..., the address's
// resource id) or, for one that has none, its public IP; ErrInUse when it is associated.
func (c *Clients) ReleaseAddress(ctx context.Context, at resource.Place, id string) error {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return err
	}
	in := &ec2.ReleaseAddressInput{PublicIp: aws.String(id)}
	if strings.HasPrefix(id, "eipalloc-") {
		in = &ec2.ReleaseAddressInput{AllocationId: aws.String(id)}
	}
	if _, err := cl.ReleaseAddress(ctx, in); err != nil {
		return destroyErr("releasing address "+id, err)
	}
	return nil
}
