package source

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	// BatchItemFailures are the messages of an SQS batch to retry (the event source mapping's
	// ReportBatchItemFailures); the others are deleted.
	BatchItemFailures []BatchItemFailure `json:"batchItemFailures,omitempty"`
}

// BatchItemFailure names a message of an SQS batch that failed.
type BatchItemFailure struct {
	ItemIdentifier string `json:"itemIdentifier"`
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
	return LambdaScheduled(h, out, Scheduled{Scan: scan})
}

// Scheduled is what the function does with an EventBridge "Scheduled Event" (source
// aws.events). Each scan's run is named by the event's time, so that a retry of the
// invocation does not act again where the first attempt did.
type Scheduled struct {
	// Scan scans the event's region by every rule a scan applies: the stack's scan schedule
	// (deploy template --scan-schedule).
	Scan *Scanner
	// Fan, when set, fans the scan schedule's and the timer's scans out over a queue instead
	// (FanOut, its Timer for the timer's ticks): the Scheduled Event enqueues the tick's
	// parts, and an SQS batch of the queue's messages (the function's event source mapping)
	// scans one part per message; the parts that fail are
	// reported as batch item failures, for SQS to retry, and a message that is not a valid
	// part is reported as rejected and not retried.
	Fan *FanOut
	// Timer scans the event's region by the time-driven rules alone (engine.Timer): the
	// stack's timer, whose Scheduled Events carry event.TimerDetail (deploy's TimerSchedule).
	// A tick fails only when its scan does: an action that failed is the next tick's to try.
	Timer *Scanner
	// Logger gets what a tick does not return (default: slog.Default()).
	Logger *slog.Logger
}

// LambdaScheduled is Lambda with what Scheduled Events do (see Scheduled).
func LambdaScheduled(h Handler, out io.Writer, sch Scheduled) func(ctx context.Context, raw json.RawMessage) (LambdaResult, error) {
	log := &decisionLog{enc: json.NewEncoder(out)}
	fan, logger := sch.Fan, cmp.Or(sch.Logger, slog.Default())
	return func(ctx context.Context, raw json.RawMessage) (LambdaResult, error) {
		var again []error // what makes this invocation fail, so that it comes again
		write := func(ds []engine.Decision) error {
			more, err := log.write(ds)
			again = append(again, more...)
			return err
		}
		if fan != nil {
			if msgs, ok := sqsBatch(raw); ok {
				return fan.batch(ctx, msgs, log), nil
			}
		}
		ev, err := event.Parse(raw)
		var scheduled, timer bool
		if err == nil {
			scheduled, timer = ev.Scheduled()
		}
		switch {
		case err != nil:
			ds := []engine.Decision{engine.RejectedInput("lambda", "invocation payload", err)}
			return LambdaResult{Decisions: ds}, write(ds)
		case scheduled && fan != nil:
			n, err := fan.Enqueue(ctx, ev.Time, timer)
			if err != nil {
				return LambdaResult{}, fmt.Errorf("scheduled scan: %w", err)
			}
			fan.logger().Info("scheduled scan fanned out", "tick", ev.Time, "timer", timer, "parts", n)
			return LambdaResult{}, nil
		case timer:
			if sch.Timer == nil {
				return LambdaResult{}, errors.New("the timer's scheduled event: this function has no timer scan")
			}
			if err := scanRegion(ctx, *sch.Timer, timerRun(tickRun(ev.Time)), ev.Region, write); err != nil {
				return LambdaResult{}, err
			}
			// The next tick is the retry of what failed or was held back (it was not recorded
			// done): failing this one would only have Lambda scan again now, and dead-letter
			// the tick in the end, at every tick for as long as the action fails.
			if len(again) > 0 {
				logger.Warn("timer tick: actions failed or were held back; the next tick tries them again", "tick", ev.Time, "actions", len(again), "first", again[0])
			}
			return LambdaResult{}, nil
		case scheduled && sch.Scan != nil:
			if err := scanRegion(ctx, *sch.Scan, tickRun(ev.Time), ev.Region, write); err != nil {
				return LambdaResult{}, err
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

// scanRegion runs sc over region, the run named run.
func scanRegion(ctx context.Context, sc Scanner, run, region string, write func([]engine.Decision) error) error {
	sc.Regions, sc.RunID = []string{region}, run
	if _, err := sc.Run(ctx, write); err != nil {
		return fmt.Errorf("scheduled scan: %w", err)
	}
	return nil
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

// sqsMessage is a record of the SQS event the Lambda service sends a function subscribed to a
// queue.
type sqsMessage struct {
	MessageID   string `json:"messageId"`
	Body        string `json:"body"`
	EventSource string `json:"eventSource"`
}

// sqsBatch reads an invocation payload as an SQS batch; ok is false for anything else.
func sqsBatch(raw json.RawMessage) (msgs []sqsMessage, ok bool) {
	var b struct {
		Records []sqsMessage `json:"Records"`
	}
	if json.Unmarshal(raw, &b) != nil || len(b.Records) == 0 {
		return nil, false
	}
	for _, m := range b.Records {
		if m.EventSource != "aws:sqs" {
			return nil, false
		}
	}
	return b.Records, true
}

// batch scans the part of each message, one after another, and names those to retry.
func (f *FanOut) batch(ctx context.Context, msgs []sqsMessage, log *decisionLog) LambdaResult {
	var res LambdaResult
	emit := func(ds []engine.Decision) error {
		_, err := log.write(ds) // what must come again, the part counts itself
		return err
	}
	for _, m := range msgs {
		p, ok, err := ParsePart(m.Body)
		if !ok && err == nil {
			err = errors.New("not a scan part")
		}
		if err != nil {
			if werr := emit([]engine.Decision{engine.RejectedInput("sqs", "message "+m.MessageID, err)}); werr != nil {
				res.BatchItemFailures = append(res.BatchItemFailures, BatchItemFailure{m.MessageID})
			}
			continue
		}
		if err := f.Scan(ctx, p, emit); err != nil {
			f.logger().Warn("scan part failed; SQS retries it", "message", m.MessageID, "error", err)
			res.BatchItemFailures = append(res.BatchItemFailures, BatchItemFailure{m.MessageID})
		}
	}
	return res
}
