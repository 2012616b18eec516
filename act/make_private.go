package act

import (
	"context"
	"errors"
	"fmt"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/resource"
)

// privateAPI is what make-private calls.
type privateAPI interface {
	reader
	UnshareSnapshotPublic(ctx context.Context, at resource.Place, id string) error
	UnshareImagePublic(ctx context.Context, at resource.Place, id string) error
}

// makePrivate removes a snapshot's or an image's permission for everyone (the group all),
// and only it: the accounts it is shared with keep theirs. It decides on Public as read
// (a snapshot's from its createVolumePermission, an image's from DescribeImages).
type makePrivate struct {
	base
	api privateAPI
}

func (a *makePrivate) Mutating() bool        { return true }
func (a *makePrivate) Needs() resource.Needs { return resource.NeedSharing }

func (a *makePrivate) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	r := inv.Resource
	var perm, listKey string
	var call func(context.Context, resource.Place, string) error
	switch r.Kind {
	case resource.Snapshot:
		perm, listKey, call = "createVolumePermission", "CreateVolumePermissions", a.api.UnshareSnapshotPublic
	case resource.Image:
		perm, listKey, call = "launchPermission", "LaunchPermissions", a.api.UnshareImagePublic
	default:
		return skipped("make-private acts on snapshots and images, not a %s", r.Kind)
	}
	if !r.Exists {
		return skipped("%s %s no longer exists", r.Kind, r.ID)
	}
	public, ok := r.Attrs["Public"].(bool)
	if !ok {
		return failed("reading whether "+r.ID+" is public", errors.New("the read has no Public: nothing changed"))
	}
	if !public {
		return skipped("%s is not shared with everyone", r.ID)
	}
	what := fmt.Sprintf("the %s of the group all (everyone) from %s: public → private%s", perm, r.ID, others(r.Attrs[listKey]))
	if inv.DryRun {
		return dryRun("remove %s", what)
	}
	if err := inv.MayMutate(ctx); err != nil {
		return engine.HeldBackResult(err)
	}
	if err := call(ctx, r.Place, r.ID); err != nil {
		return failed("removing "+what, err)
	}
	return applied("removed %s", what)
}

// others words the permissions that stay: the accounts, organizations and units it is shared
// with ("" when the read did not list them).
func others(list any) string {
	l, ok := list.([]any)
	if !ok {
		return ""
	}
	n := 0
	for _, p := range l {
		if m, _ := p.(map[string]any); m["Group"] != "all" {
			n++
		}
	}
	switch n {
	case 0:
		return ", shared with no one else"
	case 1:
		return ", still shared with the 1 account (or organization) it names"
	}
	return fmt.Sprintf(", still shared with the %d accounts (or organizations) it names", n)
}
