package ledger

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/engine"
)

// Engines that open one ledger file one after another — consecutive handle runs — share
// the loop budget and the per-minute cap it holds.
func TestBoltBudgetAcrossOpens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	now := time.Now()
	clock := func() time.Time { return now }
	// run opens the file, handles one event in a fresh engine and closes it: one process.
	run := func(tweak func(*engine.Config), id, instance string) []engine.Decision {
		t.Helper()
		l, err := Open(path, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return newEngine(t, l, &calls{}, clock, tweak).Handle(ctx, stopped(id, instance))
	}

	loop := func(c *engine.Config) { c.LoopBudget = 2 }
	for i := range 2 {
		if got := outcomes(run(loop, fmt.Sprint("loop-", i), "i-1")); got != "start=applied,notify=applied" {
			t.Fatalf("run %d: %s", i, got)
		}
		now = now.Add(time.Minute)
	}
	ds := run(loop, "loop-2", "i-1")
	if got := outcomes(ds); got != "start=suppressed,notify=applied" || !strings.Contains(ds[0].Reason, "loop budget: 2 mutating actions on instance:i-1") {
		t.Fatalf("third run: %s %+v", got, ds)
	}
	now = now.Add(10 * time.Minute)
	if got := outcomes(run(loop, "loop-3", "i-1")); got != "start=applied,notify=applied" {
		t.Fatalf("after the window: %s", got)
	}

	minute := func(c *engine.Config) { c.MaxPerMinute = 2 }
	now = now.Add(time.Hour)
	for i := range 2 {
		if got := outcomes(run(minute, fmt.Sprint("minute-", i), fmt.Sprint("i-m", i))); got != "start=applied,notify=applied" {
			t.Fatalf("minute run %d: %s", i, got)
		}
	}
	ds = run(minute, "minute-2", "i-m2")
	if got := outcomes(ds); got != "start=suppressed,notify=applied" || !strings.Contains(ds[0].Reason, "blast radius: 2 mutating actions in the last minute") || !engine.RateLimited(ds[0]) {
		t.Fatalf("third in the minute: %s %+v", got, ds)
	}
	now = now.Add(time.Minute)
	if got := outcomes(run(minute, "minute-2", "i-m2")); got != "start=applied,notify=applied" {
		t.Fatalf("the minute after: %s", got)
	}
}
