package engine

import (
	"context"
	"sync"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/resource"
)

// This file is the seam between the engine and the actions that act on AWS. The engine
// consumes these interfaces; package actions (over awsapi) implements them.

// Resource is an EC2 resource as it is now, read just before filters are evaluated.
type Resource = resource.Resource

// Inventory reads resources as they are now, in the account and region the event names:
// what needs asks for, at least. A resource AWS does not know is returned with Exists false.
type Inventory interface {
	Get(ctx context.Context, ref resource.Ref, needs resource.Needs) (*Resource, error)
}

// Outcome is what became of one decision (PRODUCT §4).
type Outcome string

// The outcomes of PRODUCT §4.
const (
	Applied    Outcome = "applied"
	DryRun     Outcome = "dry-run"
	Skipped    Outcome = "skipped"
	Duplicate  Outcome = "duplicate"
	Suppressed Outcome = "suppressed"
	Failed     Outcome = "failed"
	Rejected   Outcome = "rejected"
)

// Invocation is one action run on one resource.
type Invocation struct {
	Rule     string
	Event    *event.Event
	Resource *Resource // as read for the filters, with what the actions need (see Reading)
	// Targets are every resource the event concerns that its rules judge, as the engine read
	// them, Resource among them: for an action that acts on what a call did as a whole (tag:
	// the instances of one launch, read together).
	Targets []*Resource
	DryRun  bool // decide and report, never call a mutating API
	// Reread asks the action to read the resource again even if Resource holds a fresh state:
	// the engine sets it when an earlier action of the handling (of this rule or an earlier
	// one) changed the resource, so Resource is as it was before that change; actions set it
	// themselves while they wait on a transition. An action that decides on the resource's
	// configuration reads it again then (restrict-ingress after EC2.13's revoke-ingress).
	Reread bool
	// Earlier is what each earlier action of this rule did on this resource, in order, as
	// its decision record says, so that a notify action tells what happened — and what did
	// not — rather than what the rule meant to do.
	Earlier []Step
	// BeforeMutating is set by the engine for a mutating action: the action calls it (through
	// MayMutate) right before its first mutating API call, once its check-before-act has
	// decided to act, and only then is the action counted against the loop budget and the
	// blast-radius caps. An action that finds nothing to do is never counted.
	BeforeMutating func(ctx context.Context) error

	// Matched tells which rules of a security group (of an instance's groups) the rule's
	// filters matched of r — the resource as the action reads it now — on the engine's clock
	// (rules.Rule.MatchedRules): what revoke-ingress and restrict-ingress change, and nothing
	// else. ok is false when no filter of the rule tells. Nil outside the engine.
	Matched func(r *Resource) (matched []resource.GroupRule, ok bool)

	// Scope is the handling of one event (or one scan's resource) the invocation is part of:
	// what its actions share through Once. The engine sets it; a caller that runs actions
	// itself (a test) gives the invocations of one event one Scope.
	Scope *Scope
}

// Scope holds what the actions of one event's handling share (Invocation.Once). The zero
// value is ready to use.
type Scope struct {
	mu sync.Mutex
	m  map[string]any
	// changed holds the resources (Ref.Key) a mutating action of the handling has changed:
	// the read the rules share is stale for them, and later actions on them are told to read
	// again (Invocation.Reread).
	changed map[string]bool
}

// markChanged records that an action of the handling changed the resource.
func (s *Scope) markChanged(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.changed == nil {
		s.changed = map[string]bool{}
	}
	s.changed[key] = true
}

// wasChanged reports whether an action of the handling changed the resource.
func (s *Scope) wasChanged(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed[key]
}

// Once runs load once per key within the invocation's Scope (every rule, action and target of
// one event) and gives its value to every later call with that key: what an action reads of
// all the event's targets together is read once. A load that fails is not kept, so the next
// target tries again. Without a Scope it just loads.
func (inv Invocation) Once(key string, load func() (any, error)) (any, error) {
	s := inv.Scope
	if s == nil {
		return load()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.m[key]; ok {
		return v, nil
	}
	v, err := load()
	if err == nil {
		if s.m == nil {
			s.m = map[string]any{}
		}
		s.m[key] = v
	}
	return v, err
}

// MayMutate asks the budget whether the action may make its mutating call now. A non-nil
// error is a *HeldBack: the action must not mutate, and returns HeldBackResult(err). Without
// a hook (an action run outside the engine) it allows everything.
func (inv Invocation) MayMutate(ctx context.Context) error {
	if inv.BeforeMutating == nil {
		return nil
	}
	return inv.BeforeMutating(ctx)
}

// HeldBack is why the loop budget or a blast-radius cap held a mutating action back.
type HeldBack struct {
	Reason string
	Again  Again // the per-minute cap passes: the event may come again
}

func (h *HeldBack) Error() string { return h.Reason }

// HeldBackResult is the result of an action that MayMutate held back.
func HeldBackResult(err error) Result {
	return Result{Outcome: Suppressed, Reason: err.Error()}
}

// Step is what one action did: the outcome, reason and error of its decision record.
type Step struct {
	Action   string
	Mutating bool
	Outcome  Outcome
	Reason   string
	Error    string
	Refused  bool // skipped, though there was something to do (see Result.Refused)
	// Resumed: skipped with nothing to do on a key taken over from an earlier attempt that
	// claimed it and died (Ledger's TakenOver): that attempt may have done it, so a notify of
	// the rule tells it rather than nothing.
	Resumed bool
}

// Why words the step for people, as Decision.Why does.
func (s Step) Why() string { return Decision{Reason: s.Reason, Error: s.Error}.Why() }

// Result is what an action did.
type Result struct {
	Outcome Outcome // Applied, DryRun, Skipped, Failed, or Suppressed when MayMutate said no
	Reason  string  // why (skipped: which state said no; dry-run: what would have been done; failed: what was being done)
	// Refused, with Skipped, says there was something to do that the resource does not allow
	// (stop protection without force): not "nothing to do", so a notify of the rule still tells.
	Refused bool
	Err     error // with Failed: why (the record's error leaves out a leading "Reason: ")
}

// Action is one configured action of a rule, built from its name and parameters.
type Action interface {
	Name() string
	// Mutating reports whether Do changes AWS state; such actions obey dry run, the
	// per-resource loop budget and the blast-radius cap.
	Mutating() bool
	// Do acts on inv.Resource, re-checking the state it needs first (events arrive late,
	// twice and out of order). With inv.DryRun it never calls a mutating API.
	Do(ctx context.Context, inv Invocation) Result
}

// CallBound is an Action that may declare that it acts on what a CloudTrail call did — its
// caller, what it created — and not on the resource alone (tag: its values are the caller's,
// and it tags only what the call created). A scan has no call, so it does not apply a rule
// with such an action (Engine.Unscanned says which, and why).
type CallBound interface {
	NeedsCall() bool
}

// Reading is an Action that says what it needs read of its resource (start, stop and protect:
// the instance's state), so that the engine's one read of each target includes it and the
// action reads again only what its check-before-act needs (a state after a wait).
type Reading interface {
	Needs() resource.Needs
}
