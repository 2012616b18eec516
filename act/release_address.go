package act

import (
	"context"
	"errors"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/resource"
)

// releaseAPI is what release-address calls.
type releaseAPI interface {
	reader
	ReleaseAddress(ctx context.Context, at resource.Place, id string) error
}

// releaseAddress releases an Elastic IP address that nothing uses, as read now: no
// association, no instance, no network interface. AWS refuses to release one associated
// since the read (awsapi.ErrInUse): that is recorded, and the address stays.
type releaseAddress struct {
	base
	api releaseAPI
}

func (a *releaseAddress) Mutating() bool        { return true }
func (a *releaseAddress) Needs() resource.Needs { return resource.NeedDescribe }

func (a *releaseAddress) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	r := inv.Resource
	if r.Kind != resource.Address {
		return skipped("release-address acts on Elastic IP addresses, not a %s", r.Kind)
	}
	if !r.Exists {
		return skipped("address %s no longer exists", r.ID)
	}
	for _, k := range []string{"AssociationId", "InstanceId", "NetworkInterfaceId"} {
		if v, _ := r.Attrs[k].(string); v != "" {
			return skipped("%s is in use (%s %s): not released", addressWords(r), k, v)
		}
	}
	what := addressWords(r) + ", associated with nothing"
	if inv.DryRun {
		return dryRun("release %s", what)
	}
	if err := inv.MayMutate(ctx); err != nil {
		return engine.HeldBackResult(err)
	}
	err := a.api.ReleaseAddress(ctx, r.Place, r.ID)
	switch {
	case errors.Is(err, awsapi.ErrNotFound):
		return skipped("address %s no longer exists", r.ID)
	case err != nil:
		return failed("releasing "+what, err) // ErrInUse: associated since the read
	}
	return applied("released %s", what)
}

// addressWords names an address: "198.51.100.1 (eipalloc-1)".
func addressWords(r *engine.Resource) string {
	if ip, _ := r.Attrs["PublicIp"].(string); ip != "" && ip != r.ID {
		return ip + " (" + r.ID + ")"
	}
	return r.ID
}
