package ledger

import (
	"context"
	"strconv"
	"time"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
)

// Dynamo is the state of a deployed ec2guard, in one DynamoDB table that every process
// shares — each Lambda invocation may be a new process, and an Organization's events are
// handled by many at once. It is both the engine's Ledger and its Budget.
//
// The table has a String partition key "pk" and TTL on "expires_at" (epoch seconds);
// nothing else is declared. Items:
//
//	action|<event id>|<rule>|<n>:<action>|<kind>:<id>   st=claimed|done, owner, expires_at
//	loop|<kind>:<id>|<window start, epoch s>           n (actions on the resource in the window), expires_at
//	minute|<minute start, epoch s>                     n (actions of all processes in that minute), expires_at
//
// An action is claimed with a conditional PutItem (no live item under its key), so of two
// processes given the same event exactly one acts; the claim holds for a lease (a dead
// claimant's lapses) and becomes "done" for the ledger's TTL once the action applied.
// Budgets are counters raised by a conditional UpdateItem (ADD, only while below the limit),
// in windows aligned to the clock: at most N actions per window, so at most 2N in any span of
// one window's length that straddles two. Expired items count as absent whether or not
// DynamoDB's lazy TTL deletion has removed them yet.
type Dynamo struct {
	t *awsapi.Table
}

// NewDynamo returns the state kept in t.
func NewDynamo(t *awsapi.Table) *Dynamo { return &Dynamo{t: t} }

const (
	stateClaimed = "claimed"
	stateDone    = "done"
)

func actionKey(key string) string { return "action|" + key }

// Seen reports whether key was applied and has not expired at now.
func (d *Dynamo) Seen(ctx context.Context, key string, now time.Time) (bool, error) {
	r, live, err := d.t.Get(ctx, actionKey(key), now)
	return live && r.State == stateDone, err
}

// Claim takes key for owner until now+lease unless a live item holds it: done (AlreadyDone)
// or another owner's claim (HeldElsewhere). Taking it from another owner's lapsed claim is
// TakenOver: that owner died (or gave up) before recording what it did.
func (d *Dynamo) Claim(ctx context.Context, key, owner string, now time.Time, lease time.Duration) (engine.ClaimState, error) {
	written, cur, err := d.t.PutUnlessLive(ctx, awsapi.Record{Key: actionKey(key), State: stateClaimed, Owner: owner, ExpiresAt: now.Add(lease)}, now)
	switch {
	case err != nil:
		return engine.Claimed, err
	case written && cur.State == stateClaimed && cur.Owner != owner:
		return engine.TakenOver, nil
	case written:
		return engine.Claimed, nil
	case cur.State == stateDone:
		return engine.AlreadyDone, nil
	case cur.Owner == owner:
		return engine.Claimed, nil
	}
	return engine.HeldElsewhere, nil
}

// MarkDone records key as applied until now+ttl.
func (d *Dynamo) MarkDone(ctx context.Context, key, owner string, now time.Time, ttl time.Duration) error {
	return d.t.Put(ctx, awsapi.Record{Key: actionKey(key), State: stateDone, Owner: owner, ExpiresAt: now.Add(ttl)})
}

// Release deletes owner's claim on key, if it still is owner's.
func (d *Dynamo) Release(ctx context.Context, key, owner string) error {
	return d.t.DeleteIf(ctx, actionKey(key), stateClaimed, owner)
}

// Take counts one mutating action on resource in its loop window and, unless the cap is
// off (<0), in the current minute. A full minute gives back the loop count just taken; if
// that fails, or the minute's count fails, the loop count stays one too high until its
// window ends, which errs on the side of acting less.
func (d *Dynamo) Take(ctx context.Context, resource string, now time.Time, l engine.Limits) (engine.Exceeded, error) {
	w := max(int64(l.LoopWindow/time.Second), 1)
	start := now.Unix() / w * w
	loopKey := "loop|" + resource + "|" + strconv.FormatInt(start, 10)
	// Kept a window past its end, in case the clocks of processes disagree a little.
	ok, err := d.t.CountUp(ctx, loopKey, l.LoopBudget, time.Unix(start+2*w, 0))
	if err != nil || !ok {
		return engine.LoopBudgetExceeded, err
	}
	if l.MaxPerMinute < 0 {
		return engine.WithinLimits, nil
	}
	minute := now.Unix() / 60 * 60
	ok, err = d.t.CountUp(ctx, "minute|"+strconv.FormatInt(minute, 10), l.MaxPerMinute, time.Unix(minute+120, 0))
	if err != nil {
		return engine.MinuteCapExceeded, err
	}
	if !ok {
		_ = d.t.CountDown(ctx, loopKey)
		return engine.MinuteCapExceeded, nil
	}
	return engine.WithinLimits, nil
}

// Check verifies the table (see awsapi.Table.Check).
func (d *Dynamo) Check(ctx context.Context) (ttl bool, err error) { return d.t.Check(ctx) }

// Name is the table's name.
func (d *Dynamo) Name() string { return d.t.Name() }
