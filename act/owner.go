package act

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/engine"
	owner "github.com/ec2guard/ec2guard/notify"
	"github.com/ec2guard/ec2guard/resource"
)

// tellOwner tells the resource's owner what is wrong, what ec2guard did or will do when, and
// how to fix it or ask for an exception: to the recipients the rule file's owner map routes
// the resource to (by its PrincipalId tag, else its Owner tag, else the map's fallback),
// and to a topic when the action names one, with message attributes for subscription
// filter policies (owner, principal_id, rule, control, severity, account).
type tellOwner struct {
	base
	owners                  owner.Directory // nil: the topic alone
	webhooks                *owner.Webhooks
	topic                   string
	problem, fix, exception actions.Template
	control, severity       string
}

func (f *Factory) tellOwner(b base, c actions.TellOwnerConfig) (*tellOwner, error) {
	a := &tellOwner{base: b, webhooks: f.Webhooks, topic: c.Topic, control: c.Control, severity: c.Severity,
		problem: c.Problem, fix: c.Fix, exception: c.Exception}
	if m, ok := f.Owners.(*owner.Map); !ok || m != nil { // a nil *Map is no map
		a.owners = f.Owners
	}
	if a.owners == nil && a.topic == "" {
		return nil, errors.New("tell-owner needs an owner map (owners: in the rule file) or a topic")
	}
	return a, nil
}

func (a *tellOwner) Mutating() bool { return false }

// Needs: the resource's Owner and PrincipalId tags route the message, so the engine's read
// includes them in a rule whose filters need no read.
func (a *tellOwner) Needs() resource.Needs { return resource.NeedDescribe }

func (a *tellOwner) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	v := valuesOf(inv)
	t := v.told
	if t.outcome == "skipped" && !t.refused {
		return skipped("not sent: every earlier action of the rule was skipped, so there is nothing to tell (%s)", t.actions)
	}
	m := a.message(inv, v)
	var acted []string
	for _, st := range t.steps {
		acted = append(acted, st.Action)
	}
	m.Action = strings.Join(acted, ", ")
	switch {
	case len(t.names[engine.Pending]) > 0:
		if tag := inv.Resource.Tags[engine.PendingTag(inv.Rule)]; tag != "" {
			_, at, _ := strings.Cut(tag, "@")
			m.Due, _ = time.Parse(time.RFC3339, at)
		}
	case len(t.names[engine.Applied]) > 0:
		m.Done = true
	}
	return a.send(ctx, inv, m)
}

// Clear tells the owner that the rule's pending actions are cancelled: the resource no
// longer fails it (the engine calls it then, with the pending tag as it was).
func (a *tellOwner) Clear(ctx context.Context, inv engine.Invocation) engine.Result {
	m := a.message(inv, valuesOf(inv))
	acts, _, _ := strings.Cut(inv.Resource.Tags[engine.PendingTag(inv.Rule)], "@")
	m.Action, m.Cleared = strings.ReplaceAll(acts, ",", ", "), true
	return a.send(ctx, inv, m)
}

// message is what is told of the resource, whatever was done.
func (a *tellOwner) message(inv engine.Invocation, v values) owner.Message {
	res := inv.Resource
	m := owner.Message{
		Rule: inv.Rule, Control: a.control, Severity: a.severity,
		ResourceID: res.ID, ResourceKind: string(res.Kind), Account: v.Account, Region: v.Region,
		Owner: res.Tags["Owner"], PrincipalID: res.Tags["PrincipalId"],
		Problem: a.problem.String(v), Fix: a.fix.String(v), Exception: a.exception.String(v),
	}
	if m.PrincipalID == "" {
		m.PrincipalID = v.PrincipalID // the event's caller, on a call's event
	}
	return m
}

// send delivers m to the recipient the owner map routes it to, or the topic.
func (a *tellOwner) send(ctx context.Context, inv engine.Invocation, m owner.Message) engine.Result {
	var to owner.Recipient
	var emailTopic string
	var errs []error
	var failures []string
	by := "the topic"
	if a.owners != nil {
		// A table is read here, a dry run too: it says whom a run would tell.
		r, err := a.owners.Lookup(ctx, m.PrincipalID, m.Owner)
		switch {
		case err != nil:
			// Told nobody the map names: the topic still is, and the record says why.
			by = "the owner"
			errs, failures = append(errs, err), append(failures, "the owner map")
		case r.Key != "":
			by = "owner " + r.Key
		default:
			by = "the owner map's fallback"
		}
		to, emailTopic = r.To, r.EmailTopic
	}
	if a.topic != "" && to.SNS == "" {
		to.SNS = a.topic
	}
	if inv.DryRun {
		if len(errs) > 0 {
			return failed("finding whom to tell in the owner map", errs[0])
		}
		return dryRun("tell %s: %s", by, m.Subject())
	}
	s := &owner.Sender{Webhooks: a.webhooks, SNS: a.api, EmailTopic: emailTopic}
	var sent []string
	for _, d := range s.Deliver(ctx, to, m) {
		if d.Err != nil {
			failures = append(failures, d.Channel+" "+d.To)
			errs = append(errs, d.Err)
			continue
		}
		sent = append(sent, d.Channel+" "+d.To)
	}
	if len(errs) > 0 {
		return failed(fmt.Sprintf("telling %s (sent: %s; failed: %s)", by, cmp.Or(strings.Join(sent, ", "), "nothing"), strings.Join(failures, ", ")), errors.Join(errs...))
	}
	return applied("told %s: %s", by, strings.Join(sent, ", "))
}
