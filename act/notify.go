package act

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/engine"
)

type notify struct {
	base
	topic            string
	subject, message actions.Template
	always           bool // also when every earlier action of the rule was skipped
}

func (a *notify) Mutating() bool { return false }

// told is what the earlier mutating actions of a rule did on the resource, as the template
// fields .Outcome, .Applied, .DryRun, .HeldBack, .Failed, .Skipped and .Actions say it.
type told struct {
	outcome string                      // one word for them all; "" when the rule has none
	names   map[engine.Outcome][]string // the actions of each outcome (a duplicate counts as applied)
	actions string                      // each one and what became of it
	steps   []engine.Step
	refused bool          // one was skipped though there was something to do
	resumed []engine.Step // skipped with nothing to do, which an earlier attempt may have done (Step.Resumed)
}

// maybeDone is the one word of actions that found nothing to do on a key taken over from an
// earlier attempt at the event that died before recording what it did: it may have done them.
const maybeDone = "maybe done earlier"

// outcomeFields are the template fields that say what the rule's actions did: a subject
// that uses none of them gets a prefix that does.
var outcomeFields = []string{"Outcome", "Applied", "DryRun", "HeldBack", "Failed", "Skipped", "Pending", "Actions"}

// tell sums up the earlier mutating actions. Their one word is the most pressing of their
// outcomes: failed, then held back, dry run, applied, maybe done earlier (skipped after an
// attempt that died mid-rule, which may have done it), and skipped only when every one was.
func tell(earlier []engine.Step) told {
	t := told{names: map[engine.Outcome][]string{}}
	var parts []string
	for _, s := range earlier {
		if !s.Mutating {
			continue
		}
		t.steps = append(t.steps, s)
		t.refused = t.refused || s.Refused
		if s.Resumed {
			t.resumed = append(t.resumed, s)
		}
		o := s.Outcome
		if o == engine.Duplicate {
			o = engine.Applied // an earlier delivery of the event applied it
		}
		t.names[o] = append(t.names[o], s.Action)
		parts = append(parts, s.Action+" "+outcomeWord(s.Outcome)+": "+s.Why())
	}
	t.actions = strings.Join(parts, "; ")
	for _, o := range []engine.Outcome{engine.Failed, engine.Suppressed, engine.DryRun, engine.Pending, engine.Applied, engine.Skipped} {
		if len(t.names[o]) > 0 {
			t.outcome = outcomeWord(o)
			break
		}
	}
	if t.outcome == string(engine.Skipped) && len(t.resumed) > 0 {
		t.outcome = maybeDone // not "nothing was done": the attempt that died may have done it
	}
	return t
}

func outcomeWord(o engine.Outcome) string {
	switch o {
	case engine.Suppressed:
		return "held back"
	case engine.DryRun:
		return "dry run"
	case engine.Duplicate:
		return "already done"
	}
	return string(o)
}

func (t told) get(field string) string {
	switch field {
	case "Outcome":
		return t.outcome
	case "Applied":
		return strings.Join(t.names[engine.Applied], ", ")
	case "DryRun":
		return strings.Join(t.names[engine.DryRun], ", ")
	case "HeldBack":
		return strings.Join(t.names[engine.Suppressed], ", ")
	case "Failed":
		return strings.Join(t.names[engine.Failed], ", ")
	case "Skipped":
		return strings.Join(t.names[engine.Skipped], ", ")
	case "Pending":
		return strings.Join(t.names[engine.Pending], ", ")
	case "Actions":
		return t.actions
	}
	return ""
}

// said lists the actions of outcome o with why, as "start: why".
func (t told) said(o engine.Outcome) []string {
	var out []string
	for _, s := range t.steps {
		if s.Outcome == o {
			out = append(out, s.Action+": "+s.Why())
		}
	}
	return out
}

// subjectText makes s a valid SNS subject: ASCII, no line breaks or control characters, at
// most 100 characters.
func subjectText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if b.Len() == 100 {
			break
		}
		if r < 0x20 || r > 0x7e {
			r = ' '
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// Do tells what the rule's earlier actions did, never what they were meant to do: when each
// of them was skipped with nothing to do there is nothing to tell, unless always (one that
// the resource refused, such as a stop of a stop-protected instance, is told, and so is one
// an earlier attempt that died mid-rule may have done); a subject
// template that does not say what happened is prefixed with what did not ([action failed],
// [actions held back], [dry run]); the message says what was held back and what failed.
func (a *notify) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	v := valuesOf(inv)
	t := v.told
	if t.outcome == "skipped" && !t.refused && !a.always {
		return skipped("not sent: every earlier action of the rule was skipped, so nothing was done (%s); always: true sends it anyway", t.actions)
	}
	failedActs, held := t.said(engine.Failed), t.said(engine.Suppressed)
	var subj, msg strings.Builder
	if !a.subject.Uses(outcomeFields...) {
		if len(failedActs) > 0 {
			subj.WriteString("[action failed] ")
		}
		if len(held) > 0 {
			subj.WriteString("[actions held back] ")
		}
		if len(t.names[engine.DryRun]) > 0 {
			subj.WriteString("[dry run] ")
		}
		if len(t.names[engine.Pending]) > 0 {
			subj.WriteString("[pending] ")
		}
	}
	a.subject.Execute(&subj, v)
	a.message.Execute(&msg, v)
	text := msg.String()
	if len(t.resumed) > 0 {
		var said []string
		for _, s := range t.resumed {
			said = append(said, s.Action+": "+s.Why())
		}
		text = "ec2guard found nothing left to do on " + v.ResourceID + ": " + strings.Join(said, "; ") + ".\n" + text
	}
	if pending := t.said(engine.Pending); len(pending) > 0 {
		text = "ec2guard will act on " + v.ResourceID + " unless it is fixed by then: " + strings.Join(pending, "; ") + ".\n" + text
	}
	if len(held) > 0 {
		text = "ec2guard held back actions on " + v.ResourceID + ": " + strings.Join(held, "; ") + ". A remediation loop or a runaway rule may be under way.\n" + text
	}
	if len(failedActs) > 0 {
		text = "ec2guard could not complete actions on " + v.ResourceID + ": " + strings.Join(failedActs, "; ") + ". They are retried with the event; the resource may still need attention.\n" + text
	}
	type step struct {
		Action  string         `json:"action"`
		Outcome engine.Outcome `json:"outcome"`
		Reason  string         `json:"reason"`
		Error   string         `json:"error,omitempty"`
	}
	steps := []step{}
	for _, s := range t.steps {
		steps = append(steps, step{s.Action, s.Outcome, s.Reason, s.Error})
	}
	body, _ := json.Marshal(map[string]any{
		"outcome": t.outcome, "actions": steps, "suppressed": held, "failed": failedActs,
		"rule": v.Rule, "event_id": v.EventID, "detail_type": v.DetailType, "event_name": v.EventName,
		"account": v.Account, "region": v.Region, "resource": v.ResourceID, "resource_kind": v.ResourceKind,
		"state": v.State, "principal_id": v.PrincipalID, "user_name": v.UserName, "time": v.Time,
	})
	text += "\n\n" + string(body)
	if inv.DryRun {
		return dryRun("publish %q to %s", subjectText(subj.String()), a.topic)
	}
	id, err := a.api.Publish(ctx, a.topic, subjectText(subj.String()), text, map[string]string{"ec2guard_rule": v.Rule, "ec2guard_resource": v.ResourceID})
	if err != nil {
		return failed("publishing to "+a.topic, err)
	}
	return applied("published message %s to %s", id, a.topic)
}
