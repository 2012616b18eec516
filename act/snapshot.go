package act

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/resource"
)

// snapshotAPI is what snapshot calls, and what terminate and delete-volume call to snapshot
// before they destroy; the reader reads the resource again after an earlier change of it
// (rereading).
type snapshotAPI interface {
	reader
	SnapshotVolumes(ctx context.Context, at resource.Place, src awsapi.SnapshotSource) ([]awsapi.Snapshot, error)
	RuleSnapshots(ctx context.Context, at resource.Place, rule string, volumes []string) (map[string]string, error)
}

// snapshot snapshots an instance's EBS volumes, or a volume, each snapshot tagged with the
// rule and its source (awsapi.SnapshotVolumes). A volume the rule has a snapshot of already
// is not snapshotted again: a scan that finds the resource again, or an event delivered
// twice, makes no second copy.
type snapshot struct {
	base
	api snapshotAPI
}

func (a *snapshot) Mutating() bool        { return true }
func (a *snapshot) Needs() resource.Needs { return resource.NeedDescribe }

func (a *snapshot) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	r := inv.Resource
	var src awsapi.SnapshotSource
	switch r.Kind {
	case resource.Instance:
		if !r.Exists || r.State == resource.Terminated {
			return skipped("instance %s no longer exists", r.ID)
		}
		src = awsapi.SnapshotSource{Instance: r.ID, Volumes: instanceVolumes(r)}
		if len(src.Volumes) == 0 {
			return skipped("%s has no EBS volume to snapshot", r.ID)
		}
	case resource.Volume:
		if !r.Exists {
			return skipped("volume %s no longer exists", r.ID)
		}
		src = awsapi.SnapshotSource{Volumes: []string{r.ID}}
	default:
		return skipped("snapshot acts on instances and volumes, not a %s", r.Kind)
	}
	p, res := planSnapshots(ctx, a.api, inv, true, src)
	if res != nil {
		return *res
	}
	if len(p.todo.Volumes) == 0 {
		return skipped("rule %s has snapshotted %s already: %s", inv.Rule, r.ID, p.keptWords())
	}
	if inv.DryRun {
		return dryRun("snapshot %s", p.words())
	}
	if err := inv.MayMutate(ctx); err != nil {
		return engine.HeldBackResult(err)
	}
	made, err := a.api.SnapshotVolumes(ctx, r.Place, p.todo)
	if err != nil {
		return failed("snapshotting "+p.words()+madeWords(made), err)
	}
	return applied("snapshotted %s", p.doneWords(made))
}

// snapshots is what an action is to snapshot of a source: the volumes the rule has no
// snapshot of yet (todo), and the snapshots it has of the others (kept, by volume).
type snapshots struct {
	todo awsapi.SnapshotSource
	kept map[string]string
}

// planSnapshots finds, on the volumes as they are now, which of src's the invocation's rule
// has snapshotted already; a failed read is the action's result. Unless want, it plans
// nothing (an action told snapshot: false).
func planSnapshots(ctx context.Context, api snapshotAPI, inv engine.Invocation, want bool, src awsapi.SnapshotSource) (snapshots, *engine.Result) {
	if !want {
		return snapshots{}, nil
	}
	src.Rule = inv.Rule
	kept, err := api.RuleSnapshots(ctx, inv.Resource.Place, src.Rule, src.Volumes)
	if err != nil {
		res := failed("finding the snapshots rule "+inv.Rule+" made of "+inv.Resource.ID, err)
		return snapshots{}, &res
	}
	p := snapshots{todo: src, kept: kept}
	p.todo.Volumes = slices.DeleteFunc(slices.Clone(src.Volumes), func(v string) bool { return kept[v] != "" })
	return p, nil
}

// begin asks the budget and the caps for the action's first change (engine.Invocation.MayMutate),
// then takes the snapshots planned (take): what an action that snapshots first does once it
// has decided to act.
func (p snapshots) begin(ctx context.Context, api snapshotAPI, inv engine.Invocation, doing, not string) (done string, res *engine.Result) {
	if err := inv.MayMutate(ctx); err != nil {
		r := engine.HeldBackResult(err)
		return "", &r
	}
	return p.take(ctx, api, inv.Resource.Place, doing, not)
}

// take makes the snapshots planned, before an action that destroys (doing: "deleting it");
// done is what the record adds of them, res the action's result when one failed (and so it
// does not go on: not is what it did not do, "deleted").
func (p snapshots) take(ctx context.Context, api snapshotAPI, at resource.Place, doing, not string) (done string, res *engine.Result) {
	if len(p.todo.Volumes) == 0 {
		if len(p.kept) > 0 {
			return "; its snapshots " + p.keptWords() + " kept", nil
		}
		return "", nil
	}
	made, err := api.SnapshotVolumes(ctx, at, p.todo)
	if err != nil {
		r := failed("snapshotting "+p.words()+" before "+doing+madeWords(made)+": not "+not, err)
		return "", &r
	}
	return "; snapshotted first: " + p.doneWords(made), nil
}

// words names what is to be snapshotted: "vol-1, vol-2 of i-1 (tagged ec2guard:rule=R and
// the source)".
func (p snapshots) words() string { return p.phrase(p.todo.Volumes) }

// doneWords names the snapshots made, by volume: "vol-1 → snap-1 of i-1 (tagged ...)".
func (p snapshots) doneWords(made []awsapi.Snapshot) string {
	parts := make([]string, len(made))
	for i, s := range made {
		parts[i] = s.Volume + " → " + s.ID
	}
	return p.phrase(parts)
}

// phrase is the volumes (or snapshots) of the source, how they are tagged, and what is kept.
func (p snapshots) phrase(vols []string) string {
	s := strings.Join(vols, ", ")
	if p.todo.Instance != "" {
		s += " of " + p.todo.Instance
	}
	s += " (tagged " + awsapi.SnapshotRuleTag + "=" + p.todo.Rule + " and the source)"
	if len(p.kept) > 0 {
		s += "; " + p.keptWords() + " kept"
	}
	return s
}

// keptWords names the rule's snapshots there were already: "vol-1's snap-1".
func (p snapshots) keptWords() string {
	vols := make([]string, 0, len(p.kept))
	for v := range p.kept {
		vols = append(vols, v)
	}
	slices.Sort(vols)
	for i, v := range vols {
		vols[i] = v + "'s " + p.kept[v]
	}
	return strings.Join(vols, ", ")
}

// madeWords names the snapshots made before a failure ("" for none): they exist.
func madeWords(made []awsapi.Snapshot) string {
	if len(made) == 0 {
		return ""
	}
	parts := make([]string, len(made))
	for i, s := range made {
		parts[i] = s.Volume + " → " + s.ID
	}
	return fmt.Sprintf(" (made before the failure: %s)", strings.Join(parts, ", "))
}

// instanceVolumes are the EBS volumes of an instance as read (its block device mappings).
func instanceVolumes(r *engine.Resource) []string {
	var vols []string
	l, _ := r.Attrs["BlockDeviceMappings"].([]any)
	for _, m := range l {
		bd, _ := m.(map[string]any)
		ebs, _ := bd["Ebs"].(map[string]any)
		if id, _ := ebs["VolumeId"].(string); id != "" {
			vols = append(vols, id)
		}
	}
	return vols
}

// errNoRead says a read lacks what an action decides on: it decides nothing.
func errNoRead(what string) error {
	return errors.New("the read has no " + what + ": nothing changed")
}
