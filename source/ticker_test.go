package source

import (
	"context"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/resource"
)

// runJudge records the run each resource is judged in.
type runJudge struct {
	fakeJudge
	runs []string
}

func (j *runJudge) Judge(ctx context.Context, run string, res *engine.Resource) []engine.Decision {
	if len(j.runs) == 0 || j.runs[len(j.runs)-1] != run {
		j.runs = append(j.runs, run)
	}
	return j.fakeJudge.Judge(ctx, run, res)
}

// A Ticker scans at once and then every Every, each tick a run of its own named by its
// time; when its context ends mid-scan it finishes the resource in hand — its records
// written — and stops there.
func TestTicker(t *testing.T) {
	j := &runJudge{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	records := 0
	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	tk := &Ticker{
		Scanner: &Scanner{Lister: &fakeLister{needs: map[resource.Kind]resource.Needs{}}, Engine: j, Regions: []string{"us-east-1"}},
		Every:   time.Millisecond,
		Now:     func() time.Time { at = at.Add(time.Minute); return at },
		Emit: func(ds []engine.Decision) error {
			if records += len(ds); records == 9 { // the first resource of the third tick (four a tick)
				cancel()
			}
			return nil
		},
	}
	done := make(chan struct{})
	go func() { tk.Run(ctx); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the ticker did not stop")
	}
	if records != 9 || len(j.judged) != 9 {
		t.Fatalf("%d records of %d resources, want two whole ticks and the resource in hand of the third", records, len(j.judged))
	}
	if len(j.runs) != 3 || j.runs[0] != "timer-20261204T100100.000Z" || !(j.runs[0] < j.runs[1] && j.runs[1] < j.runs[2]) {
		t.Fatalf("runs %v, want three, each named by its tick's time", j.runs)
	}
}

// slowJudge takes its time over each resource, until its context ends.
type slowJudge struct {
	fakeJudge
	started chan struct{}
}

func (j *slowJudge) Judge(ctx context.Context, run string, res *engine.Resource) []engine.Decision {
	select {
	case j.started <- struct{}{}:
	default:
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
	}
	return j.fakeJudge.Judge(ctx, run, res)
}

// The resource in hand when the ticker's context ends has Drain to finish, not longer.
func TestTickerDrain(t *testing.T) {
	j := &slowJudge{started: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	tk := &Ticker{Scanner: &Scanner{Lister: &fakeLister{needs: map[resource.Kind]resource.Needs{}}, Engine: j, Regions: []string{"us-east-1"}},
		Every: time.Hour, Drain: 200 * time.Millisecond, Emit: func([]engine.Decision) error { return nil }}
	done := make(chan struct{})
	go func() { tk.Run(ctx); close(done) }()
	<-j.started
	start := time.Now()
	cancel()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("the ticker outlived its drain")
	}
	if took := time.Since(start); took < 150*time.Millisecond {
		t.Errorf("the resource in hand was cut off at once (%v), not given its drain", took)
	}
}
