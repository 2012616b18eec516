package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/internal/faultproxy"
	"github.com/ec2guard/ec2guard/internal/mototest"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// slowHandler counts each event it handles; on event "2" it signals and then takes a while.
type slowHandler struct {
	mu      sync.Mutex
	handled map[string]int
	started chan struct{}
	delay   time.Duration
}

func (h *slowHandler) Handle(ctx context.Context, ev *event.Event) []engine.Decision {
	if ev.ID == "2" {
		close(h.started)
		time.Sleep(h.delay)
	}
	h.mu.Lock()
	h.handled[ev.ID]++
	h.mu.Unlock()
	return []engine.Decision{{EventID: ev.ID, Outcome: engine.Applied}}
}

func queueWith(t *testing.T, n int) (*sqs.Client, string) {
	t.Helper()
	ctx := context.Background()
	if err := mototest.Current(t).Reset(ctx); err != nil {
		t.Fatal(err)
	}
	cfg, _ := config.LoadDefaultConfig(ctx)
	c := sqs.NewFromConfig(cfg)
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("q")})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		body := fmt.Sprintf(`{"id":"%d","source":"aws.ec2","detail-type":"x","detail":{}}`, i)
		if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: &body}); err != nil {
			t.Fatal(err)
		}
	}
	return c, *q.QueueUrl
}

func remaining(t *testing.T, c *sqs.Client, url string) map[string]int {
	t.Helper()
	left := map[string]int{}
	out, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range out.Messages {
		ev, err := event.Parse([]byte(*m.Body))
		if err != nil {
			t.Fatal(err)
		}
		left[ev.ID]++
	}
	return left
}

// SIGTERM in the middle of a batch: the message in hand and the rest of the batch finish
// within the drain time; each is handled once and deleted.
func TestShutdownDrainsTheBatch(t *testing.T) {
	c, url := queueWith(t, 5)
	h := &slowHandler{handled: map[string]int{}, started: make(chan struct{}), delay: 300 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	con := &Consumer{Queue: awsapi.New(), URL: url, Handler: h, Record: func([]engine.Decision) error { return nil }, Wait: 1, Visibility: 2}
	done := make(chan error)
	go func() { done <- con.Run(ctx) }()
	<-h.started
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(h.handled) != 5 {
		t.Fatalf("handled %v, want all 5 of the batch", h.handled)
	}
	for id, n := range h.handled {
		if n != 1 {
			t.Errorf("event %s handled %d times", id, n)
		}
	}
	time.Sleep(2100 * time.Millisecond) // past the visibility timeout: anything undeleted would show
	if left := remaining(t, c, url); len(left) != 0 {
		t.Fatalf("messages left after a clean drain: %v", left)
	}
}

// A drain that runs out: what was not handled stays in the queue; nothing is lost or doubled.
func TestShutdownPastTheDrainLosesNothing(t *testing.T) {
	c, url := queueWith(t, 5)
	h := &slowHandler{handled: map[string]int{}, started: make(chan struct{}), delay: 500 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	con := &Consumer{Queue: awsapi.New(), URL: url, Handler: h, Record: func([]engine.Decision) error { return nil }, Wait: 1, Visibility: 1, Drain: 100 * time.Millisecond}
	done := make(chan error)
	go func() { done <- con.Run(ctx) }()
	<-h.started
	cancel()
	<-done
	time.Sleep(1100 * time.Millisecond)
	left := remaining(t, c, url)
	for id := range left {
		if h.handled[id] > 0 && id != "2" {
			t.Errorf("event %s was handled and is still in the queue", id)
		}
	}
	total := map[string]bool{}
	for id := range h.handled {
		total[id] = true
	}
	for id := range left {
		total[id] = true
	}
	if len(total) != 5 {
		t.Fatalf("handled %v + left %v do not cover all 5 events", h.handled, left)
	}
	if len(left) == 0 {
		t.Fatal("the drain ran out, yet every message was handled: the test proves nothing")
	}
}

// Visibility extensions that hang (throttled, retried, timing out) do not hold up the
// messages being handled.
func TestSlowExtensionsDoNotHoldTheBatch(t *testing.T) {
	_, url := queueWith(t, 5)
	proxy, err := faultproxy.Start(mototest.Current(t).Endpoint, 1,
		faultproxy.Rule{Service: "sqs", Operation: "ChangeMessageVisibility", Rate: 1, Faults: []faultproxy.Fault{faultproxy.Timeout}, Delay: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	t.Setenv("AWS_ENDPOINT_URL", proxy.URL)
	q := awsapi.New()
	q.AttemptTimeout, q.MaxBackoff = 2*time.Second, 10*time.Millisecond // an extension hangs ~10s
	h := &slowHandler{handled: map[string]int{}, started: make(chan struct{}), delay: 600 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	con := &Consumer{Queue: q, URL: url, Handler: h, Record: func([]engine.Decision) error { return nil }, Wait: 1, Visibility: 1}
	done := make(chan error)
	go func() { done <- con.Run(ctx) }()
	<-h.started
	began := time.Now()
	for {
		h.mu.Lock()
		n := len(h.handled)
		h.mu.Unlock()
		if n == 5 {
			break
		}
		if time.Since(began) > 5*time.Second {
			t.Fatalf("handled %d of 5 in %s: the batch waits on the extensions", n, time.Since(began))
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	if proxy.Injected()["sqs/ChangeMessageVisibility/timeout"] == 0 {
		t.Fatal("no extension was attempted: the test proves nothing")
	}
}

// byID suppresses event "2" with the given reason and applies the others.
type byID struct {
	reason string
	again  engine.Again
}

func (h byID) Handle(_ context.Context, ev *event.Event) []engine.Decision {
	if ev.ID == "2" {
		return []engine.Decision{{EventID: ev.ID, Rule: "r", Action: "start", Outcome: engine.Suppressed, Reason: h.reason, Again: h.again}}
	}
	return []engine.Decision{{EventID: ev.ID, Rule: "r", Action: "start", Outcome: engine.Applied}}
}

// A message whose action the per-minute cap held back stays in the queue, to come again when
// the minute has passed; one the loop budget held back is done with.
func TestRateLimitedMessagesComeAgain(t *testing.T) {
	for _, c := range []struct {
		reason string
		again  engine.Again
		left   bool
	}{
		{"blast radius: 30 mutating actions in the last minute already (cap 30)", engine.AgainAfterMinute, true},
		{"loop budget: 3 mutating actions on instance:i-1 within 10m0s already (a remediation loop?)", engine.NotAgain, false},
	} {
		client, url := queueWith(t, 3)
		ctx, cancel := context.WithCancel(context.Background())
		con := &Consumer{Queue: awsapi.New(), URL: url, Handler: byID{c.reason, c.again}, Record: func([]engine.Decision) error { return nil }, Wait: 1, Visibility: 1}
		done := make(chan error)
		go func() { done <- con.Run(ctx) }()
		time.Sleep(800 * time.Millisecond)
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond) // past the visibility timeout
		left := remaining(t, client, url)
		if want := map[bool]int{true: 1, false: 0}[c.left]; left["2"] != want || left["1"] != 0 || left["3"] != 0 {
			t.Errorf("%s: left in the queue %v, want event 2 %d time(s)", c.reason, left, want)
		}
	}
}

// A start-up check that only meets throttling (after the SDK's retries) does not stop the
// consumer: it is logged, and Run retries as it does after a good start.
func TestCheckThrottledPasses(t *testing.T) {
	_, url := queueWith(t, 0)
	proxy, err := faultproxy.Start(mototest.Current(t).Endpoint, 1,
		faultproxy.Rule{Service: "sqs", Operation: "GetQueueAttributes", Rate: 1, Faults: []faultproxy.Fault{faultproxy.Throttle}})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	t.Setenv("AWS_ENDPOINT_URL", proxy.URL)
	t.Setenv("AWS_MAX_ATTEMPTS", "2")
	q := awsapi.New()
	q.MaxBackoff = 10 * time.Millisecond
	var log bytes.Buffer
	con := &Consumer{Queue: q, URL: url, Logger: slog.New(slog.NewTextHandler(&log, nil))}
	if err := con.Check(context.Background()); err != nil {
		t.Fatalf("throttled check: %v", err)
	}
	if !strings.Contains(log.String(), "could not check the queue at start; consuming anyway") {
		t.Errorf("log: %s", log.String())
	}
	missing := url[:strings.LastIndex(url, "/")] + "/missing"
	con = &Consumer{Queue: awsapi.New(), URL: missing}
	t.Setenv("AWS_ENDPOINT_URL", mototest.Current(t).Endpoint)
	if err := con.Check(context.Background()); !errors.Is(err, awsapi.ErrNoQueue) {
		t.Fatalf("missing queue: %v", err)
	}
}
