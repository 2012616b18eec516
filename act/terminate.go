package act

import (
	"context"
	"errors"
	"fmt"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/resource"
)

// terminateAPI is what terminate calls.
type terminateAPI interface {
	snapshotAPI
	TerminateInstance(ctx context.Context, at resource.Place, id string) (resource.State, error)
	SetProtection(ctx context.Context, at resource.Place, id string, stop, termination *bool) error
}

// terminate terminates an instance. It decides on the instance as read now: one shutting
// down or terminated is left; one with termination protection (DisableApiTermination, as
// read) is refused unless force, which turns the protection off first; with snapshot, its
// EBS volumes are snapshotted first, and it is not terminated unless every snapshot started.
type terminate struct {
	base
	api             terminateAPI
	force, snapshot bool
}

func (a *terminate) Mutating() bool        { return true }
func (a *terminate) Needs() resource.Needs { return resource.NeedDescribe | resource.NeedProtection }

func (a *terminate) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	r := inv.Resource
	if r.Kind != resource.Instance {
		return skipped("terminate acts on instances, not a %s", r.Kind)
	}
	if !r.Exists {
		return skipped("instance %s no longer exists", r.ID)
	}
	if r.State == resource.Terminated || r.State == resource.ShuttingDown {
		return skipped("%s is %s: nothing to terminate", r.ID, r.State)
	}
	protected, ok := r.Attrs["DisableApiTermination"].(bool)
	if !ok {
		return failed("reading the termination protection of "+r.ID, errNoRead("DisableApiTermination"))
	}
	if protected && !a.force {
		res := skipped("%s has termination protection (DisableApiTermination): not terminated; force: true turns it off first", r.ID)
		res.Refused = true // it runs on against the rule: people are told
		return res
	}
	p, res := planSnapshots(ctx, a.api, inv, a.snapshot, awsapi.SnapshotSource{Instance: r.ID, Volumes: instanceVolumes(r)})
	if res != nil {
		return *res
	}
	what := fmt.Sprintf("terminate %s (%s)", r.ID, r.State)
	if protected {
		what = fmt.Sprintf("turn off the termination protection of %s (DisableApiTermination true → false) and terminate it (%s)", r.ID, r.State)
	}
	if len(p.todo.Volumes) > 0 {
		what = "snapshot " + p.words() + ", then " + what
	} else if len(p.kept) > 0 {
		what += ", its snapshots " + p.keptWords() + " kept"
	}
	if inv.DryRun {
		return dryRun("%s", what)
	}
	done, res := p.begin(ctx, a.api, inv, "terminating it", "terminated")
	if res != nil {
		return *res
	}
	if protected {
		off := false
		if err := a.api.SetProtection(ctx, r.Place, r.ID, nil, &off); err != nil {
			return failed("turning off the termination protection of "+r.ID+done, err)
		}
		done = "; its termination protection turned off first (DisableApiTermination true → false)" + done
	}
	now, err := a.api.TerminateInstance(ctx, r.Place, r.ID)
	switch {
	case errors.Is(err, awsapi.ErrNotFound):
		return skipped("instance %s no longer exists%s", r.ID, done)
	case errors.Is(err, awsapi.ErrProtected):
		res := failed("terminating "+r.ID+done, fmt.Errorf("termination protection was turned on since the read: %w", err))
		res.Refused = true
		return res
	case err != nil:
		return failed("terminating "+r.ID+done, err)
	}
	return applied("terminated %s (it was %s, now %s)%s", r.ID, r.State, now, done)
}
