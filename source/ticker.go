package source

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/ec2guard/ec2guard/engine"
)

// Ticker runs a scan at once and then every Every until its context ends: serve's timer, the
// scan of the time-driven rules alone (engine.Timer) that the deployed function's
// TimerSchedule runs. Each tick is a run of its own, named by its time ("timer-..."). When
// the context ends mid-scan, the resource in hand is finished (its actions are not cut off
// half-way), for Drain at most, and the scan stops there.
type Ticker struct {
	Scanner *Scanner // its Engine the timer's judge
	Every   time.Duration
	Drain   time.Duration // how long the resource in hand may take once ctx ends (0: none)
	Emit    func([]engine.Decision) error
	Logger  *slog.Logger     // default: discard
	Now     func() time.Time // default time.Now
}

// errStopping ends a tick's scan when the ticker's context has ended.
var errStopping = errors.New("the timer is stopping")

// Run ticks until ctx ends. A tick that fails is logged; the next one comes as planned.
func (t *Ticker) Run(ctx context.Context) {
	logger := t.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	next := time.NewTimer(0)
	defer next.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-next.C:
		}
		start := now().UTC()
		sc := *t.Scanner
		sc.RunID = timerRun(runName(start))
		emit := func(ds []engine.Decision) error {
			if err := t.Emit(ds); err != nil {
				return err
			}
			if ctx.Err() != nil {
				return errStopping
			}
			return nil
		}
		// The scan outlives ctx by Drain at most: what it is doing then finishes, or is
		// cut off after Drain as serve's messages in hand are.
		scanCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		stop := context.AfterFunc(ctx, func() { time.AfterFunc(t.Drain, cancel) })
		st, err := sc.Run(scanCtx, emit)
		stop()
		cancel()
		switch {
		case errors.Is(err, errStopping):
			logger.Info("timer stopped mid-scan", "run", sc.RunID, "judged", st.Judged)
			return
		case err != nil:
			logger.Warn("timer scan failed; the next tick tries again", "run", sc.RunID, "error", err, "next", t.Every)
		default:
			logger.Info("timer scan done", "run", sc.RunID, "listed", st.Total(), "judged", st.Judged, "records", st.Records, "took", now().Sub(start).Round(time.Millisecond))
		}
		next.Reset(t.Every)
	}
}
