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
// invocation (ServeRuntimeAPI serves it); see Lambda.
func LambdaHandler(h Handler, out io.Writer) func(ctx context.Context, raw json.RawMessage) (LambdaResult, error) {
	return Lambda(h, out, nil)
}

// Lambda returns the function the Lambda runtime calls with one EventBridge event per
// invocation. Decision records are written to out (the function's log) as JSON lines. A
// failed action, or one the per-minute cap held back, makes the invocation fail, so
// EventBridge retries it (the idempotency ledger keeps what succeeded from being redone); an
// invalid event is reported and not retried, since retrying cannot fix it.
//
// With a scanner, an EventBridge "Scheduled Event" (source aws.events: the stack's scan
// schedule) scans the event's region instead. A scan returns no decisions in its result (a
// fleet's worth would pass Lambda's response limit): they are in the log.
func Lambda(h Handler, out io.Writer, scan *Scanner) func(ctx context.Context, raw json.RawMessage) (LambdaResult, error) {
	log := &decisionLog{enc: json.NewEncoder(out)}
	return func(ctx context.Context, raw json.RawMessage) (LambdaResult, error) {
		var again []error // what makes this invocation fail, so that it comes again
		write := func(ds []engine.Decision) error {
			more, err := log.write(ds)
			again = append(again, more...)
			return err
		}
		ev, err := event.Parse(raw)
		switch {
		case err != nil:
			ds := []engine.Decision{engine.RejectedInput("lambda", "invocation payload", err)}
			return LambdaResult{Decisions: ds}, write(ds)
		case scan != nil && ev.Source == "aws.events" && ev.DetailType == "Scheduled Event":
			sc := *scan
			sc.Regions = []string{ev.Region}
			if _, err := sc.Run(ctx, write); err != nil {
				return LambdaResult{}, fmt.Errorf("scheduled scan: %w", err)
			}
			return LambdaResult{}, errors.Join(again...)
		}
		ds := h.Handle(ctx, ev)
		if err := write(ds); err != nil {
			return LambdaResult{Decisions: ds}, err
		}
		return LambdaResult{Decisions: ds}, errors.Join(again...)
	}
}

// decisionLog writes decision records from concurrent invocations, one whole batch at a time.
type decisionLog struct {
	mu  sync.Mutex
	enc *json.Encoder
}

// write writes ds and returns why the invocation must fail: the actions that failed or were
// held back by the per-minute cap come again with its retry.
func (l *decisionLog) write(ds []engine.Decision) (again []error, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, d := range ds {
		switch {
		case d.Outcome == engine.Failed:
			again = append(again, fmt.Errorf("rule %q action %q on %s: %s", d.Rule, d.Action, d.Resource, d.Error))
		case engine.RateLimited(d):
			again = append(again, fmt.Errorf("rule %q action %q on %s held back: %s; retried", d.Rule, d.Action, d.Resource, d.Reason))
		}
		if err := l.enc.Encode(d); err != nil {
			return again, fmt.Errorf("writing decisions: %w", err)
		}
	}
	return again, nil
}
