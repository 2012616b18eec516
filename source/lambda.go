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
