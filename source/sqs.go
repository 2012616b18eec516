package source

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
)

// Queue is what the consumer needs of SQS; *awsapi.Clients provides it.
type Queue interface {
	Receive(ctx context.Context, queueURL string, max, waitSeconds, visibility int32) ([]awsapi.Message, error)
	Delete(ctx context.Context, queueURL, receipt string) error
	ExtendVisibility(ctx context.Context, queueURL, receipt string, seconds int32) error
	CheckQueue(ctx context.Context, queueURL string) (arn string, err error)
}

// Consumer handles an SQS queue that EventBridge feeds: long polling, batches, visibility
// extended while a message is worked on, and a message deleted only after its decisions were
// recorded. Messages whose handling failed (an action failed, or the event is invalid) are
// left to reappear: after the queue's redrive count they go to its dead-letter queue.
type Consumer struct {
	Queue      Queue
	URL        string
	Handler    Handler
	Record     func([]engine.Decision) error // must return only once the decisions are durable
	Logger     *slog.Logger
	Batch      int32         // messages per receive (default 10)
	Wait       int32         // long-poll seconds (default 20)
	Visibility int32         // seconds a received message stays hidden (default 60)
	Drain      time.Duration // how long in-flight work may finish after shutdown starts (default 30s)
	Metrics    *Metrics      // optional
	// HandleTimeout bounds the handling of one message (default 5m). It also bounds the
	// engine's claims on the message's actions in a shared ledger: a message that finds them
	// claimed by another consumer (which may have died) is hidden until such a claim has
	// lapsed, instead of being retried into the dead-letter queue meanwhile.
	HandleTimeout time.Duration
}

// Check asks SQS for the queue once, before Run: a queue that does not exist or an endpoint
// that does not answer (awsapi.ErrNoQueue, awsapi.ErrUnreachable) would otherwise be retried
// forever. A check that only timed out, was throttled or met 5xx (awsapi.ErrInconclusive) is
// logged and passes: Run retries such errors, as it does every error after a good start.
func (c *Consumer) Check(ctx context.Context) error {
	c.defaults()
	if _, err := c.Queue.CheckQueue(ctx, c.URL); err != nil {
		if errors.Is(err, awsapi.ErrInconclusive) {
			c.Logger.Warn("could not check the queue at start; consuming anyway", "queue", c.URL, "error", err)
			return nil
		}
		if errors.Is(err, awsapi.ErrNoQueue) {
			return fmt.Errorf("%w (create it, or check the URL and the region: AWS_REGION)", err)
		}
		return err
	}
	return nil
}

// Run consumes until ctx is cancelled (SIGTERM), then finishes the messages in hand — none
// is lost, none is acted on twice — and returns.
func (c *Consumer) Run(ctx context.Context) error {
	c.defaults()
	for ctx.Err() == nil {
		msgs, err := c.Queue.Receive(ctx, c.URL, c.Batch, c.Wait, c.Visibility)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			c.Logger.Error("receiving from SQS; retrying", "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(2 * time.Second):
			}
			continue
		}
		if len(msgs) == 0 {
			continue
		}
		// In-flight work is not cancelled by the shutdown signal: it gets Drain to finish.
		work, cancel := context.WithCancel(context.WithoutCancel(ctx))
		stopDrain := context.AfterFunc(ctx, func() {
			time.AfterFunc(c.Drain, cancel)
		})
		c.batch(work, msgs)
		stopDrain()
		cancel()
	}
	return nil
}

func (c *Consumer) defaults() {
	if c.Batch == 0 {
		c.Batch = 10
	}
	if c.Wait == 0 {
		c.Wait = 20
	}
	if c.Visibility == 0 {
		c.Visibility = 60
	}
	if c.Drain == 0 {
		c.Drain = 30 * time.Second
	}
	if c.HandleTimeout == 0 {
		c.HandleTimeout = 5 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// batch handles the messages of one receive, one at a time (order within a batch is kept),
// extending the visibility of those not yet done.
func (c *Consumer) batch(ctx context.Context, msgs []awsapi.Message) {
	var mu sync.Mutex
	pending := map[string]string{} // message id → receipt
	for _, m := range msgs {
		pending[m.ID] = m.ReceiptHandle
	}
	stop := make(chan struct{})
	// Extensions end with the batch, even one hanging in a retry.
	extCtx, endExt := context.WithCancel(ctx)
	defer endExt()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Duration(c.Visibility) * time.Second / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				// Extend what is pending now, without holding the lock through the calls:
				// throttled and retried, they must not hold up the messages being handled.
				mu.Lock()
				todo := maps.Clone(pending)
				mu.Unlock()
				for id, rh := range todo {
					if err := c.Queue.ExtendVisibility(extCtx, c.URL, rh, c.Visibility); err != nil && extCtx.Err() == nil {
						c.Logger.Warn("extending message visibility", "message", id, "error", err)
					}
				}
			}
		}
	}()
	var held []awsapi.Message
	for _, m := range msgs {
		if ctx.Err() != nil {
			break // drain time is over: what is left reappears and is handled again
		}
		done, claimed := c.one(ctx, m)
		mu.Lock()
		delete(pending, m.ID)
		mu.Unlock()
		if claimed {
			held = append(held, m)
		}
		if done {
			if err := c.Queue.Delete(ctx, c.URL, m.ReceiptHandle); err != nil {
				c.Logger.Error("deleting a handled message (it will reappear and be reported as a duplicate)", "message", m.ID, "error", err)
			} else {
				c.Metrics.inc("ec2guard_sqs_messages_deleted_total", "")
			}
		}
	}
	close(stop)
	endExt()
	wg.Wait()
	// Messages whose actions another consumer claimed are held back (once no extension can
	// shorten it again) until such a claim has lapsed: every consumer's claims end
	// LeaseGrace after its HandleTimeout.
	wait := int32(min((c.HandleTimeout+engine.LeaseGrace+HoldMargin)/time.Second, 12*3600))
	for _, m := range held {
		if err := c.Queue.ExtendVisibility(ctx, c.URL, m.ReceiptHandle, wait); err != nil {
			c.Logger.Warn("holding back a message whose actions another consumer claimed", "message", m.ID, "error", err)
		}
	}
}

// HoldMargin is how long past the lapse of another consumer's claim a message it held waits.
const HoldMargin = 5 * time.Second

// one handles a message and reports whether it may be deleted, and whether it failed
// because another consumer holds a claim on one of its actions.
func (c *Consumer) one(ctx context.Context, m awsapi.Message) (done, claimed bool) {
	var ds []engine.Decision
	ev, err := event.Parse([]byte(m.Body))
	if err != nil {
		ds = []engine.Decision{engine.RejectedInput("sqs", fmt.Sprintf("message %s (received %d times)", m.ID, m.ReceiveCount), err)}
	} else {
		hctx, cancel := context.WithTimeout(ctx, c.HandleTimeout)
		ds = c.Handler.Handle(hctx, ev)
		cancel()
	}
	c.Metrics.inc("ec2guard_events_total", "")
	for _, d := range ds {
		c.Metrics.inc("ec2guard_decisions_total", string(d.Outcome))
	}
	if err := c.Record(ds); err != nil {
		c.Logger.Error("recording decisions; the message stays in the queue", "message", m.ID, "error", err)
		return false, false
	}
	done = true
	for _, d := range ds {
		if d.Outcome == engine.Failed || d.Outcome == engine.Rejected {
			done = false
			claimed = claimed || d.Again == engine.AgainAfterClaim
		}
		if engine.RateLimited(d) {
			done = false // comes again after its visibility timeout, when the minute has passed
		}
	}
	return done, claimed
}
