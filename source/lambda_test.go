package source

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/resource"
)

type fixedHandler struct{ outcome engine.Outcome }

func (f fixedHandler) Handle(_ context.Context, ev *event.Event) []engine.Decision {
	return []engine.Decision{{EventID: ev.ID, Rule: "r", Action: "start", Outcome: f.outcome, Error: map[bool]string{true: "boom"}[f.outcome == engine.Failed]}}
}

type suppressedHandler struct {
	reason string
	again  engine.Again
}

func (s suppressedHandler) Handle(_ context.Context, ev *event.Event) []engine.Decision {
	return []engine.Decision{{EventID: ev.ID, Rule: "r", Action: "start", Outcome: engine.Suppressed, Reason: s.reason, Again: s.again}}
}

func TestLambdaHandler(t *testing.T) {
	ctx := context.Background()
	var log bytes.Buffer
	h := LambdaHandler(fixedHandler{outcome: engine.Applied}, &log)
	res, err := h(ctx, json.RawMessage(ev1))
	if err != nil || len(res.Decisions) != 1 || res.Decisions[0].EventID != "1" {
		t.Fatalf("%+v %v", res, err)
	}
	if !strings.Contains(log.String(), `"outcome":"applied"`) {
		t.Fatalf("log %q", log.String())
	}
	// A failed action fails the invocation so EventBridge retries.
	if _, err := LambdaHandler(fixedHandler{outcome: engine.Failed}, &log)(ctx, json.RawMessage(ev1)); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("failed action: err = %v", err)
	}
	// An action held back by the per-minute cap is retried (the invocation fails); one held
	// back by the loop budget is not.
	minute := suppressedHandler{"blast radius: 30 mutating actions in the last minute already (cap 30)", engine.AgainAfterMinute}
	if _, err := LambdaHandler(minute, &log)(ctx, json.RawMessage(ev1)); err == nil || !strings.Contains(err.Error(), "held back") {
		t.Fatalf("rate-limited action: err = %v", err)
	}
	loop := suppressedHandler{"loop budget: 3 mutating actions on instance:i-1 within 10m0s already (a remediation loop?)", engine.NotAgain}
	if _, err := LambdaHandler(loop, &log)(ctx, json.RawMessage(ev1)); err != nil {
		t.Fatalf("loop-budget suppression: err = %v", err)
	}
	// An invalid event is reported, not retried.
	res, err = h(ctx, json.RawMessage(`{"hello":1}`))
	if err != nil || res.Decisions[0].Outcome != engine.Rejected {
		t.Fatalf("invalid event: %+v %v", res, err)
	}
}

func TestMetricsExposition(t *testing.T) {
	m := NewMetrics()
	m.inc("ec2guard_events_total", "")
	m.inc("ec2guard_decisions_total", "applied")
	m.inc("ec2guard_decisions_total", "applied")
	var b bytes.Buffer
	m.write(&b)
	want := "# TYPE ec2guard_decisions_total counter\nec2guard_decisions_total{outcome=\"applied\"} 2\n# TYPE ec2guard_events_total counter\nec2guard_events_total 1\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// failingJudge fails an action on every resource.
type failingJudge struct{ fakeJudge }

func (j *failingJudge) Judge(_ context.Context, _ string, res *engine.Resource) []engine.Decision {
	return []engine.Decision{{Rule: "EC2.4", Action: "terminate", Resource: res.ID, Outcome: engine.Failed, Error: "AccessDenied"}}
}

// An action failed in a scan schedule's tick fails the invocation, for Lambda to retry it; in
// a timer's tick it does not: the next tick is its retry, and retrying every tick would end
// in the dead-letter queue every few minutes.
func TestLambdaTimerTickWithAFailedAction(t *testing.T) {
	sc := func() *Scanner {
		return &Scanner{Lister: &fakeLister{needs: map[resource.Kind]resource.Needs{}}, Engine: &failingJudge{}}
	}
	var log bytes.Buffer
	h := LambdaScheduled(fixedHandler{engine.Applied}, &log, Scheduled{Scan: sc(), Timer: sc()})
	tick := func(detail string) error {
		_, err := h(context.Background(), json.RawMessage(`{"version":"0","id":"t","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-12-04T10:00:00Z","region":"us-east-1","resources":[],"detail":`+detail+`}`))
		return err
	}
	if err := tick(event.TimerDetail); err != nil {
		t.Errorf("the timer's tick: %v", err)
	}
	if err := tick(`{}`); err == nil || !strings.Contains(err.Error(), "AccessDenied") {
		t.Errorf("the scan schedule's tick: %v", err)
	}
	if n := strings.Count(log.String(), `"outcome":"failed"`); n != 8 {
		t.Errorf("%d failed records in the log, want 4 a tick", n)
	}
}
