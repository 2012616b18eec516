package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
)

// Handler is what every source feeds: the engine.
type Handler interface {
	Handle(ctx context.Context, ev *event.Event) []engine.Decision
}

// LambdaResult is what the Lambda function returns for one event.
type LambdaResult struct {
	Decisions []engine.Decision `json:"decisions"`
}

// LambdaHandler returns the function the Lambda runtime calls with one EventBridge event per
// invocation (aws-lambda-go's lambda.Start accepts it). Decision records are written to out
// (the function's log) as JSON lines. A failed action makes the invocation fail, so
// EventBridge retries it (the idempotency ledger keeps what succeeded from being redone); an
// invalid event is reported and not retried, since retrying cannot fix it.
func LambdaHandler(h Handler, out io.Writer) func(ctx context.Context, raw json.RawMessage) (LambdaResult, error) {
	var mu sync.Mutex
	enc := json.NewEncoder(out)
	return func(ctx context.Context, raw json.RawMessage) (LambdaResult, error) {
		var ds []engine.Decision
		ev, err := event.Parse(raw)
		if err != nil {
			ds = []engine.Decision{engine.RejectedInput("lambda", "invocation payload", err)}
		} else {
			ds = h.Handle(ctx, ev)
		}
		mu.Lock()
		for _, d := range ds {
			if err := enc.Encode(d); err != nil {
				mu.Unlock()
				return LambdaResult{Decisions: ds}, fmt.Errorf("writing decisions: %w", err)
			}
		}
		mu.Unlock()
		var failed []error
		for _, d := range ds {
			if d.Outcome == engine.Failed {
				failed = append(failed, fmt.Errorf("rule %q action %q on %s: %s", d.Rule, d.Action, d.Resource, d.Error))
			}
			if engine.RateLimited(d) {
				failed = append(failed, fmt.Errorf("rule %q action %q on %s held back: %s; retried", d.Rule, d.Action, d.Resource, d.Reason))
			}
		}
		if len(failed) > 0 {
			return LambdaResult{Decisions: ds}, errors.Join(failed...)
		}
		return LambdaResult{Decisions: ds}, nil
	}
}

// WithScheduledScan makes a Lambda function scan on a schedule: an EventBridge "Scheduled
// Event" (source aws.events, the stack's scan schedule) runs sc over the event's region, its
// decision records written to out; every other invocation goes to next. A scan returns no
// decisions in its result (a fleet's worth would pass Lambda's response limit): they are in
// the log. An action that failed fails the invocation, so Lambda tries the scan again.
func WithScheduledScan(next func(context.Context, json.RawMessage) (LambdaResult, error), sc *Scanner, out io.Writer) func(context.Context, json.RawMessage) (LambdaResult, error) {
	enc := json.NewEncoder(out)
	var mu sync.Mutex
	return func(ctx context.Context, raw json.RawMessage) (LambdaResult, error) {
		ev, err := event.Parse(raw)
		if err != nil || ev.Source != "aws.events" || ev.DetailType != "Scheduled Event" {
			return next(ctx, raw)
		}
		scan := *sc
		scan.Regions = []string{ev.Region}
		var failed []error
		_, err = scan.Run(ctx, func(ds []engine.Decision) error {
			mu.Lock()
			defer mu.Unlock()
			for _, d := range ds {
				if d.Outcome == engine.Failed {
					failed = append(failed, fmt.Errorf("rule %q action %q on %s: %s", d.Rule, d.Action, d.Resource, d.Error))
				}
				if err := enc.Encode(d); err != nil {
					return fmt.Errorf("writing decisions: %w", err)
				}
			}
			return nil
		})
		if err != nil {
			return LambdaResult{}, fmt.Errorf("scheduled scan: %w", err)
		}
		return LambdaResult{}, errors.Join(failed...)
	}
}
