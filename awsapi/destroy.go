package awsapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

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

// attempts counts the HTTP attempts of the call it is given to (one per try of the SDK's
// retryer), so a destroying call can tell "not found" on its first try from "not found" on a
// retry.
type attempts struct{ n atomic.Int32 }

func (a *attempts) option(o *ec2.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Finalize.Insert(middleware.FinalizeMiddlewareFunc("ec2guard.attempts",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				a.n.Add(1)
				return next.HandleFinalize(ctx, in)
			}), "Retry", middleware.After)
	})
}

// goneOnRetry is whether a destroying call's error is AWS's "not found" on a retry: the
// resource existed when the call began, a first attempt whose answer was lost (a dropped
// connection, an attempt timeout) destroyed it, and the retry finds it gone. The call did
// what it was asked.
func (a *attempts) goneOnRetry(err error) bool {
	return err != nil && notFound(err) && a.n.Load() > 1
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

// DeleteVolume deletes a volume; ErrInUse when it is attached, ErrNotFound when it was gone
// before the call (not when a retry finds it gone: see goneOnRetry).
func (c *Clients) DeleteVolume(ctx context.Context, at resource.Place, id string) error {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return err
	}
	var tries attempts
	if _, err := cl.DeleteVolume(ctx, &ec2.DeleteVolumeInput{VolumeId: aws.String(id)}, tries.option); err != nil && !tries.goneOnRetry(err) {
		return destroyErr("deleting volume "+id, err)
	}
	return nil
}

// ReleaseAddress releases an Elastic IP by its allocation id (eipalloc-..., the address's
// resource id) or, for one that has none, its public IP; ErrInUse when it is associated,
// ErrNotFound when it was gone before the call.
func (c *Clients) ReleaseAddress(ctx context.Context, at resource.Place, id string) error {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return err
	}
	in := &ec2.ReleaseAddressInput{PublicIp: aws.String(id)}
	if strings.HasPrefix(id, "eipalloc-") {
		in = &ec2.ReleaseAddressInput{AllocationId: aws.String(id)}
	}
	var tries attempts
	if _, err := cl.ReleaseAddress(ctx, in, tries.option); err != nil && !tries.goneOnRetry(err) {
		return destroyErr("releasing address "+id, err)
	}
	return nil
}
