package act

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/resource"
)

// tag writes the rule's tags on what the event's call created, and only on that (verify.go):
// an instance with the volumes and network interfaces of its launch, a volume, a snapshot, an
// image with its snapshots. Without overwrite it only adds keys a resource lacks, one
// CreateTags call per key, so that a role whose grant holds Null ec2:ResourceTag/KEY per key
// makes each addition atomic at IAM; and it leaves a resource alone whose tags already name
// someone else (Owner=bob on alice's event: adding alice's PrincipalId would hand bob's
// resource to alice).
type tag struct {
	base
	templates map[string]actions.Template
	overwrite bool
	confirm   bool // confirm the call with CloudTrail's event history (LookupEvents)

	now            func() time.Time
	window, attach time.Duration
}

func (a *tag) Mutating() bool { return true }

func (a *tag) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	want, notes := a.values(valuesOf(inv))
	if len(want) == 0 {
		return skipped("nothing written: %s", strings.Join(notes, "; "))
	}
	m, why, res := a.verify(ctx, inv)
	if res != nil {
		return *res
	}
	if why != "" {
		return skipped("%s", why)
	}
	// What each matching resource needs; a resource whose tags name someone else is refused.
	need := map[string][]string{} // key → ids
	refused := m.refused
	for _, r := range m.ok {
		var conflicts []string
		var missing []string
		for _, k := range slices.Sorted(maps.Keys(want)) {
			cur, has := r.tags[k]
			switch {
			case !has:
				missing = append(missing, k)
			case cur == want[k]:
			case a.overwrite:
				missing = append(missing, k)
			default:
				conflicts = append(conflicts, fmt.Sprintf("%s=%q (the caller's: %q)", k, cur, want[k]))
			}
		}
		if len(conflicts) > 0 {
			refused = append(refused, fmt.Sprintf("%s: it has %s already: left as it is, since its tags would then name two callers (overwrite: true replaces them)", r.id, strings.Join(conflicts, ", ")))
			continue
		}
		for _, k := range missing {
			need[k] = append(need[k], r.id)
		}
	}
	if len(need) > 0 && !inv.DryRun {
		if err := inv.MayMutate(ctx); err != nil {
			return engine.HeldBackResult(err)
		}
	}
	at := inv.Resource.Place
	written := map[string][]string{} // id → keys written
	for _, k := range slices.Sorted(maps.Keys(need)) {
		ids := need[k]
		if inv.DryRun {
			for _, id := range ids {
				written[id] = append(written[id], k)
			}
			continue
		}
		done, had, err := a.write(ctx, at, ids, k, want[k])
		for _, id := range done {
			written[id] = append(written[id], k)
		}
		for _, id := range had {
			refused = append(refused, fmt.Sprintf("%s: the resource has %s already (added since it was read): not overwritten", id, k))
		}
		if err != nil {
			return failed(fmt.Sprintf("writing tag %s on %s (written before it: %s)", k, strings.Join(ids, ", "), describeWritten(written, want)), err)
		}
		remember(m.read, done, k, want[k])
	}
	tail := ""
	if len(refused) > 0 {
		tail = "; not tagged: " + strings.Join(refused, "; ")
	}
	if len(notes) > 0 {
		tail += "; " + strings.Join(notes, "; ")
	}
	switch {
	case len(written) > 0 && inv.DryRun:
		return dryRun("tag %s%s", describeWritten(written, want), tail)
	case len(written) > 0:
		return applied("tagged %s%s", describeWritten(written, want), tail)
	case len(refused) > 0 || len(notes) > 0:
		return skipped("nothing written%s", tail)
	}
	return skipped("%s and what belongs to it already carry %s", inv.Resource.ID, strings.Join(slices.Sorted(maps.Keys(want)), ", "))
}

// values renders the rule's tag values for this caller. A value EC2 cannot hold exactly is
// not written at all (a note says why): a value made legal by rewriting it would be a
// different identity, perhaps someone else's.
func (a *tag) values(v values) (want map[string]string, notes []string) {
	want = map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(a.templates)) {
		s := a.templates[k].String(v)
		if s == "" {
			notes = append(notes, k+" not written: its value is empty for this caller")
			continue
		}
		if ok, why := event.TagValue(s); !ok {
			q, _ := json.Marshal(s)
			if len(q) > 80 {
				q = append(q[:77:77], "..."...)
			}
			notes = append(notes, fmt.Sprintf("%s not written: the caller's value %s cannot be written exactly as an EC2 tag value (%s), and any other value would name another caller", k, q, why))
			continue
		}
		want[k] = s
	}
	return want, notes
}

// verify reads the event's resources and checks the target against the call. why is set when
// the target is refused; res when the action cannot go on (a read failed).
func (a *tag) verify(ctx context.Context, inv engine.Invocation) (m match, why string, res *engine.Result) {
	c := checker{now: a.now(), window: a.window, attach: a.attach}
	kind, id := inv.Resource.Kind, inv.Resource.ID
	ev := inv.Event
	if ev == nil || ev.DetailType != event.DetailTypeAPICall {
		// No call to check against (a state-change rule tagging what is there now): the
		// resource and its parts as they are, unless they are going.
		now, err := a.read(ctx, inv)
		if err != nil {
			r := failed("reading "+string(kind)+" "+id+" and what belongs to it", err)
			return m, "", &r
		}
		m.read = now
		r := now[id]
		if r == nil {
			return m, fmt.Sprintf("%s %s no longer exists", kind, id), nil
		}
		if gone(kind, r.State) {
			return m, fmt.Sprintf("%s is %s: never tagged", id, r.State), nil
		}
		m.ok = append(m.ok, found{id: r.ID, tags: r.Tags})
		for _, p := range r.Parts {
			if p.Read && !gone(p.Kind, p.State) {
				m.ok = append(m.ok, found{id: p.ID, tags: p.Tags})
			}
		}
		return m, "", nil
	}
	ct, err := ev.CloudTrailDetail()
	if err != nil {
		return m, "cannot check the event against the resource: " + err.Error(), nil
	}
	if created, err := event.Created(ev); err != nil || !slices.Contains(created, event.Target{Kind: inv.Resource.Kind, ID: id}) {
		// A call that changed the resource (AttachVolume, ModifyInstanceAttribute...) did not
		// make its caller the resource's creator.
		return m, fmt.Sprintf("refused: %s did not create %s %s; the tag action writes only on what a call created", ct.EventName, kind, id), nil
	}
	cl, err := ct.Claim()
	if err != nil {
		return m, "does not match the resource: " + err.Error(), nil
	}
	if why := c.stale(cl, ev.Replay); why != "" {
		return m, "refused: " + why, nil
	}
	if a.confirm {
		recs, err := a.lookup(ctx, inv, cl.EventID)
		if err != nil {
			r := failed("looking the call up in CloudTrail (LookupEvents)", err)
			return m, "", &r
		}
		switch verdict, why := confirm(c.now, ct, cl, kind, id, recs); verdict {
		case notYet:
			r := failed("confirming the call with CloudTrail: left for a retry", errors.New(why))
			return m, "", &r
		case refuted:
			return m, "refused: " + why, nil
		}
	}
	now, err := a.read(ctx, inv)
	if err != nil {
		r := failed("reading "+string(kind)+" "+id+" and what belongs to it", err)
		return m, "", &r
	}
	m, why = c.target(cl, kind, id, now[id])
	m.read = now
	return m, why, nil
}

// read returns the event's resources of the target's kind, in its place, as they are now:
// every such target the engine hands the action (Invocation.Targets) in one read, done once
// in the event's handling (Invocation.Once) and shared by the runs of its other targets —
// and done again when an earlier action of the handling changed the target (inv.Reread: a
// terminate of a later rule), the new read shared from then on.
func (a *tag) read(ctx context.Context, inv engine.Invocation) (map[string]*awsapi.Created, error) {
	r := inv.Resource
	ids := []string{r.ID}
	for _, t := range inv.Targets {
		if t.Kind == r.Kind && t.Place == r.Place && t.ID != r.ID {
			ids = append(ids, t.ID)
		}
	}
	v, _ := inv.Once("tag read|"+r.Account+"|"+r.Region+"|"+string(r.Kind), func() (any, error) { return &sharedRead{}, nil })
	shared := v.(*sharedRead)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.found == nil || inv.Reread {
		found, err := a.api.CreatedResources(ctx, r.Place, r.Kind, ids)
		if err != nil {
			return nil, err // not kept: the next target tries again
		}
		shared.found = found
	}
	return shared.found, nil
}

// sharedRead is the read of an event's resources that its handling's tag runs share.
type sharedRead struct {
	mu    sync.Mutex
	found map[string]*awsapi.Created
}

// lookup returns CloudTrail's records of the event, asked once for all its targets.
func (a *tag) lookup(ctx context.Context, inv engine.Invocation, eventID string) ([]string, error) {
	v, err := inv.Once("tag confirm|"+inv.Resource.Account+"|"+inv.Resource.Region, func() (any, error) {
		return a.api.LookupEvent(ctx, inv.Resource.Place, eventID)
	})
	if err != nil {
		return nil, err
	}
	return v.([]string), nil
}

// remember records what was written in the event's read (found), so that its other targets,
// which may share a part, see it. A tag map is replaced, never changed: what an earlier run
// took from the read stays as it was read.
func remember(found map[string]*awsapi.Created, ids []string, k, v string) {
	set := func(tags *map[string]string, id string) {
		if slices.Contains(ids, id) {
			m := maps.Clone(*tags)
			if m == nil {
				m = map[string]string{}
			}
			m[k] = v
			*tags = m
		}
	}
	for _, c := range found {
		set(&c.Tags, c.ID)
		for i := range c.Parts {
			set(&c.Parts[i].Tags, c.Parts[i].ID)
		}
	}
}

// write adds tag k=v to ids in one call. Where IAM refuses it (a grant that allows adding a
// key only where it is absent refuses the call if any resource has it), each resource is
// tried alone: one refused because it has k now (someone added it since it was read) is
// reported in had; a refusal for any other reason is an error.
func (a *tag) write(ctx context.Context, at resource.Place, ids []string, k, v string) (done, had []string, err error) {
	tags := map[string]string{k: v}
	err = a.api.CreateTags(ctx, at, ids, tags)
	if err == nil {
		return ids, nil, nil
	}
	if !errors.Is(err, awsapi.ErrDenied) {
		return nil, nil, err
	}
	for _, id := range ids {
		if len(ids) > 1 {
			err = a.api.CreateTags(ctx, at, []string{id}, tags)
		}
		switch {
		case err == nil:
			done = append(done, id)
			continue
		case !errors.Is(err, awsapi.ErrDenied):
			return done, had, err
		}
		cur, rerr := a.api.ResourceTags(ctx, at, id)
		if rerr != nil {
			return done, had, fmt.Errorf("%w (and reading its tags again: %w)", err, rerr)
		}
		if _, ok := cur[k]; !ok {
			return done, had, err
		}
		had = append(had, id)
	}
	return done, had, nil
}

// describeWritten says what was (or would be) written, grouped by the tags each resource got.
func describeWritten(written map[string][]string, want map[string]string) string {
	groups := map[string][]string{}
	for _, id := range slices.Sorted(maps.Keys(written)) {
		set := map[string]string{}
		for _, k := range written[id] {
			set[k] = want[k]
		}
		b, _ := json.Marshal(set)
		groups[string(b)] = append(groups[string(b)], id)
	}
	var parts []string
	for _, set := range slices.Sorted(maps.Keys(groups)) {
		parts = append(parts, strings.Join(groups[set], ", ")+" with "+set)
	}
	return strings.Join(parts, "; ")
}

// NeedsCall implements engine.CallBound: tag takes its values from the caller and tags only
// what the call created, so a scan, which has no call, does not apply its rule.
func (a *tag) NeedsCall() bool { return actions.NeedsCall("tag") }
