package act

import (
	"context"
	"errors"
	"fmt"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/resource"
)

// deleteVolumeAPI is what delete-volume calls.
type deleteVolumeAPI interface {
	snapshotAPI
	DeleteVolume(ctx context.Context, at resource.Place, id string) error
}

// deleteVolume deletes an EBS volume that is attached to nothing, as read now (State
// available), after snapshotting it unless told not to: the snapshot is started (pending)
// before the delete call, as EBS takes it at that point in time ("deleting a volume has no
// effect on the snapshots made from it"; moto completes a snapshot at once, so a pending one
// across the delete is not tested). A snapshot of the volume the rule made already (a run
// that snapshotted and failed to delete) is kept instead of a second.
type deleteVolume struct {
	base
	api      deleteVolumeAPI
	snapshot bool
}

func (a *deleteVolume) Mutating() bool        { return true }
func (a *deleteVolume) Needs() resource.Needs { return resource.NeedDescribe }

func (a *deleteVolume) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	r := inv.Resource
	if r.Kind != resource.Volume {
		return skipped("delete-volume acts on volumes, not a %s", r.Kind)
	}
	if !r.Exists {
		return skipped("volume %s no longer exists", r.ID)
	}
	state, _ := r.Attrs["State"].(string)
	if state == "" {
		return failed("reading the state of "+r.ID, errNoRead("State"))
	}
	if state != "available" {
		return skipped("%s is %s%s: only a volume attached to nothing (available) is deleted", r.ID, state, attachedTo(r))
	}
	what := fmt.Sprintf("%s (available%s)", r.ID, size(r))
	p, res := planSnapshots(ctx, a.api, inv, a.snapshot, awsapi.SnapshotSource{Volumes: []string{r.ID}})
	if res != nil {
		return *res
	}
	if inv.DryRun {
		switch {
		case len(p.todo.Volumes) > 0:
			return dryRun("snapshot %s, then delete %s", p.words(), what)
		case len(p.kept) > 0:
			return dryRun("delete %s, its snapshot %s kept", what, p.keptWords())
		}
		return dryRun("delete %s with no snapshot (snapshot: false)", what)
	}
	done, res := p.begin(ctx, a.api, inv, "deleting it", "deleted")
	if res != nil {
		return *res
	}
	if !a.snapshot {
		done = " with no snapshot (snapshot: false)"
	}
	err := a.api.DeleteVolume(ctx, r.Place, r.ID)
	switch {
	case errors.Is(err, awsapi.ErrNotFound):
		return skipped("volume %s no longer exists%s", r.ID, done)
	case err != nil:
		return failed("deleting "+what+done, err) // ErrInUse: attached since the read
	}
	return applied("deleted %s%s", what, done)
}

// attachedTo names the instances a volume is attached to, as read ("" for none).
func attachedTo(r *engine.Resource) string {
	l, _ := r.Attrs["Attachments"].([]any)
	s := ""
	for _, a := range l {
		m, _ := a.(map[string]any)
		if id, _ := m["InstanceId"].(string); id != "" {
			if s == "" {
				s = " (attached to " + id
			} else {
				s += ", " + id
			}
		}
	}
	if s != "" {
		s += ")"
	}
	return s
}

// size is a volume's size as read (", 8 GiB"), "" when it has none.
func size(r *engine.Resource) string {
	switch v := r.Attrs["Size"].(type) {
	case float64:
		return fmt.Sprintf(", %g GiB", v)
	case int32, int64, int:
		return fmt.Sprintf(", %d GiB", v)
	}
	return ""
}
