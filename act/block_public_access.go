package act

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/resource"
)

// blockAPI is what block-public-access calls.
type blockAPI interface {
	reader
	EnableSnapshotBlockPublicAccess(ctx context.Context, at resource.Place, state string) (string, error)
	EnableImageBlockPublicAccess(ctx context.Context, at resource.Place) (string, error)
}

// blockPublicAccess turns on block public access in the account's region, for snapshots
// and/or images, where the account's read says it is off or weaker than asked. It never
// weakens: block-all-sharing stays when block-new-sharing is asked.
type blockPublicAccess struct {
	base
	api blockAPI
	cfg actions.BlockPublicAccessConfig
}

func (a *blockPublicAccess) Mutating() bool        { return true }
func (a *blockPublicAccess) Needs() resource.Needs { return resource.NeedDescribe }

// bpaChange is one setting to change.
type bpaChange struct {
	what, from, to string
	call           func(ctx context.Context, at resource.Place) error
}

func (a *blockPublicAccess) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	r := inv.Resource
	if r.Kind != resource.Account {
		return skipped("block-public-access acts on the account's settings, not a %s", r.Kind)
	}
	where := resource.Place{Account: r.ID, Region: r.Place.Region}.String()
	var changes []bpaChange
	var already []string
	if a.cfg.Snapshots {
		if unread(r, "SnapshotBlockPublicAccessState") {
			return failed("reading block public access for snapshots of "+where, errors.New("AWS did not answer GetSnapshotBlockPublicAccessState: nothing changed"))
		}
		cur := text(r.Attrs, "SnapshotBlockPublicAccessState", "(none)")
		if cur == a.cfg.SnapshotState || cur == actions.BlockAllSharing {
			already = append(already, "snapshots "+cur)
		} else {
			changes = append(changes, bpaChange{"snapshots", cur, a.cfg.SnapshotState, func(ctx context.Context, at resource.Place) error {
				_, err := a.api.EnableSnapshotBlockPublicAccess(ctx, at, a.cfg.SnapshotState)
				return err
			}})
		}
	}
	if a.cfg.Images {
		if unread(r, "ImageBlockPublicAccessState") {
			return failed("reading block public access for images of "+where, errors.New("AWS did not answer GetImageBlockPublicAccessState: nothing changed"))
		}
		cur := text(r.Attrs, "ImageBlockPublicAccessState", "(none)")
		if cur == actions.BlockNewSharing {
			already = append(already, "images "+cur)
		} else {
			changes = append(changes, bpaChange{"images", cur, actions.BlockNewSharing, func(ctx context.Context, at resource.Place) error {
				_, err := a.api.EnableImageBlockPublicAccess(ctx, at)
				return err
			}})
		}
	}
	if len(changes) == 0 {
		return skipped("block public access is on already in %s (%s)", where, strings.Join(already, ", "))
	}
	words := make([]string, len(changes))
	for i, c := range changes {
		words[i] = fmt.Sprintf("%s %s → %s", c.what, c.from, c.to)
	}
	what := "block public access in " + where + ": " + strings.Join(words, ", ")
	if inv.DryRun {
		return dryRun("turn on %s", what)
	}
	if err := inv.MayMutate(ctx); err != nil {
		return engine.HeldBackResult(err)
	}
	for i, c := range changes {
		if err := c.call(ctx, r.Place); err != nil {
			doing := "turning on block public access for " + c.what + " in " + where
			if i > 0 {
				doing += " (done: " + strings.Join(words[:i], ", ") + ")"
			}
			return failed(doing, err)
		}
	}
	return applied("turned on %s", what)
}
