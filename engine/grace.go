package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

// This file delays the mutating actions of a rule with a grace (rules.Timing.Grace). The
// first time a resource fails the rule, the due time is written on the resource as a tag,
// ec2guard:pending:RULE = ACTIONS@DUE (the tag is the record: every process and every later
// scan reads it), the mutating actions are recorded pending and the others (notify) run and
// tell of it. Until due, the resource is left alone and nobody is told again. From the due
// time on ("at or after": a missed run loses nothing) the actions run, re-checked then as
// always, under ledger keys made of the rule, the resource and the due time, so that two
// processes sharing the state table take each due action once; once applied, the tag goes.
// A resource that no longer fails is cleared: its tag is removed, and its record says so.

// Pending is the outcome of a mutating action that a rule's grace delays.
const Pending Outcome = "pending"

// Marker writes and removes ec2guard's own tags on resources (awsapi.Clients is one).
type Marker interface {
	SetTag(ctx context.Context, ref resource.Ref, key, value string) error
	DeleteTag(ctx context.Context, ref resource.Ref, key string) error
}

// PendingTag is the tag that records a rule's pending actions on a resource.
func PendingTag(rule string) string { return rules.PendingTag(rule) }

// graceRun is what a rule's grace makes of one resource's actions this time.
type graceRun struct {
	pending bool   // the mutating actions are recorded pending, not run
	reason  string // why, for their records
	prefix  string // replaces the event id in the ledger keys
	clear   bool   // the actions are due: remove the tag once they applied
	tag     string
}

// grace decides the run of rule ri's actions on res: nil for a rule without a grace; held
// is the records to return at once (not due yet, or the tag could not be written).
func (e *Engine) grace(ctx context.Context, ri int, r *rules.Rule, res *Resource, base Decision) (g *graceRun, held []Decision) {
	if r.Grace.Zero() {
		return nil, nil
	}
	now := e.cfg.Now()
	fresh, err := r.Grace.Due(now, r.GraceCalendar)
	if err != nil {
		return nil, []Decision{withErr(base, Failed, "computing the grace's due time", err)}
	}
	// To the next whole minute: processes that meet the failure together agree on it.
	if m := fresh.UTC().Truncate(time.Minute); m.Before(fresh) {
		fresh = m.Add(time.Minute)
	}
	fresh = fresh.UTC()
	tag := PendingTag(r.Name)
	var acts []string
	for _, a := range e.actions[ri] {
		if a.Mutating() {
			acts = append(acts, a.Name())
		}
	}
	value, marked := res.Tags[tag]
	_, at, _ := strings.Cut(value, "@")
	due, dueErr := time.Parse(time.RFC3339, at)
	if entered, ok := res.Attrs["StateTransitionTime"].(time.Time); marked && dueErr == nil && ok && entered.After(due) {
		// The instance left the state the failure was in and entered it again after the
		// grace was due (stopped before it, started weeks later): this is a failure of its
		// own, with a grace of its own.
		marked = false
	}
	if !marked {
		due := fresh.Format(time.RFC3339)
		g := &graceRun{pending: true, tag: tag, prefix: "grace-pending|" + due}
		g.reason = fmt.Sprintf("grace %s: due %s, acted on then if the resource still fails (tag %s)", r.Grace, due, tag)
		if base.DryRun {
			g.reason = "dry run: " + g.reason + " not written"
			return g, nil
		}
		value := strings.Join(acts, ",") + "@" + due
		if err := e.cfg.Marker.SetTag(ctx, res.Ref, tag, value); err != nil {
			return nil, []Decision{withErr(base, Failed, "recording the pending actions in tag "+tag, err)}
		}
		// The resource as the rule's later actions (tell-owner) see it: tagged.
		res.Tags = maps.Clone(res.Tags)
		if res.Tags == nil {
			res.Tags = map[string]string{}
		}
		res.Tags[tag] = value
		return g, nil
	}
	note := ""
	switch {
	case dueErr != nil:
		due, note = now, fmt.Sprintf(" (its tag %s=%q does not say when: due now)", tag, value)
	case due.After(fresh):
		// A due time later than a grace starting now was not written by ec2guard.
		due, note = now, fmt.Sprintf(" (its tag %s says %s, later than the grace allows: due now)", tag, at)
	}
	if now.Before(due) {
		base.Outcome = Skipped
		base.Reason = fmt.Sprintf("pending: %s due %s (tag %s); acted on then if the resource still fails", strings.Join(acts, ", "), at, tag)
		return nil, []Decision{base}
	}
	if note != "" {
		e.cfg.Logger.Warn("pending tag not as ec2guard wrote it", "rule", r.Name, "resource", res.ID, "tag", tag, "value", value)
	}
	return &graceRun{clear: true, tag: tag, prefix: "grace-due|" + due.UTC().Format(time.RFC3339), reason: note}, nil
}

// pends says whether act is held as pending this run.
func (g *graceRun) pends(act Action) bool { return g != nil && g.pending && act.Mutating() }

// key is the ledger key's first part: the event's id, or the grace's.
func (g *graceRun) key(eventID string) string {
	if g == nil {
		return eventID
	}
	return g.prefix
}

// done removes the pending tag once the due actions applied (or another process did).
func (e *Engine) graceDone(ctx context.Context, g *graceRun, res *Resource, out []Decision) []Decision {
	if g == nil || !g.clear || len(out) == 0 {
		return out
	}
	if slices.ContainsFunc(out, func(d Decision) bool {
		return d.DryRun || (d.Outcome != Applied && d.Outcome != Duplicate && d.Outcome != Skipped)
	}) {
		return out // kept: the next run tries again
	}
	if err := e.cfg.Marker.DeleteTag(ctx, res.Ref, g.tag); err != nil {
		e.cfg.Logger.Warn("removing the pending tag", "resource", res.ID, "tag", g.tag, "error", err)
	}
	return out
}

// Clearer is an action that tells of pending actions cancelled because the resource no
// longer fails the rule (tell-owner): the engine calls Clear instead of Do then.
type Clearer interface {
	Clear(ctx context.Context, inv Invocation) Result
}

// cleared removes the pending tag of a resource that no longer fails the rule, and has the
// rule's Clearer actions tell of it, once across processes (the ledger key names the pending
// tag's value).
func (e *Engine) cleared(ctx context.Context, ev *event.Event, ri int, r *rules.Rule, res *Resource, d Decision) []Decision {
	tag := PendingTag(r.Name)
	value, ok := res.Tags[tag]
	if r.Grace.Zero() || d.DryRun || !ok {
		return []Decision{d}
	}
	if err := e.cfg.Marker.DeleteTag(ctx, res.Ref, tag); err != nil {
		d.Reason += "; removing its pending tag " + tag + " failed"
		d.Error = err.Error()
		return []Decision{d}
	}
	d.Reason += "; the pending actions are cancelled (tag " + tag + " removed)"
	out := []Decision{d}
	for ai, act := range e.actions[ri] {
		c, ok := act.(Clearer)
		if !ok {
			continue
		}
		td := d
		td.Action, td.Error = act.Name(), ""
		key := "grace-cleared|" + value + "|" + r.Name + "|" + fmt.Sprint(ai) + ":" + act.Name() + "|" + res.Ref.Key()
		switch e.claim(ctx, key, false) {
		case Claimed, TakenOver:
			result := c.Clear(ctx, Invocation{Rule: r.Name, Event: ev, Resource: res})
			e.finish(ctx, key, result.Outcome)
			td.Outcome, td.Reason = result.Outcome, result.Reason
			if result.Err != nil {
				td.Error = result.Err.Error()
			}
		default:
			td.Outcome, td.Reason = Duplicate, "the cancellation was already told"
		}
		out = append(out, td)
	}
	return out
}
