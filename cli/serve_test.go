package cli

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ec2guard/ec2guard/engine"
)

// syncBuffer is a bytes.Buffer safe to read while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeEndToEnd: EventBridge PutEvents → rule → SQS → serve → the effect read back from
// EC2, and the SNS message read back from a queue subscribed to the topic.
func TestServeEndToEnd(t *testing.T) {
	w := newWorld(t)
	cfg, _ := config.LoadDefaultConfig(w.Ctx)
	sqsc, eb, snsc := sqs.NewFromConfig(cfg), eventbridge.NewFromConfig(cfg), sns.NewFromConfig(cfg)
	inURL, inARN := newQueue(t, w, "ec2guard-events", nil)
	inboxURL, inboxARN := newQueue(t, w, "managers", nil)
	if _, err := snsc.Subscribe(w.Ctx, &sns.SubscribeInput{TopicArn: &w.topic, Protocol: aws.String("sqs"), Endpoint: &inboxARN}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutRule(w.Ctx, &eventbridge.PutRuleInput{Name: aws.String("ec2-state"), EventPattern: aws.String(`{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(w.Ctx, &eventbridge.PutTargetsInput{Rule: aws.String("ec2-state"), Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: &inARN}}}); err != nil {
		t.Fatal(err)
	}
	protected := w.Run(map[string]string{"Protected": "true"}, true)
	rogue := w.Run(nil, false)
	put := func(instance, state string) {
		out, err := eb.PutEvents(w.Ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
			Source: aws.String("aws.ec2"), DetailType: aws.String("EC2 Instance State-change Notification"),
			Detail: aws.String(fmt.Sprintf(`{"instance-id":%q,"state":%q}`, instance, state)),
		}}})
		if err != nil || out.FailedEntryCount != 0 {
			t.Fatalf("PutEvents: %v %+v", err, out)
		}
	}
	put(protected, "stopped")
	put(rogue, "running")

	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"serve", "-r", filepath.Join("..", "examples", "seeds.yaml"), "--var", "topic=" + w.topic,
			"--queue", inURL, "--state", filepath.Join(t.TempDir(), "l.db")}, strings.NewReader(""), &out, &errOut)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for (w.State(protected) != "running" || w.State(rogue) != "stopped") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d\n%s", code, errOut.String())
	}
	if w.State(protected) != "running" || w.State(rogue) != "stopped" {
		t.Fatalf("protected %s, rogue %s\nstdout %s\nstderr %s", w.State(protected), w.State(rogue), out.String(), errOut.String())
	}
	applied := 0
	for _, d := range decisions(t, out.String()) {
		if d.Outcome == engine.Applied {
			applied++
		}
	}
	if applied != 4 { // start + notify, stop + notify
		t.Fatalf("%d applied decisions, want 4:\n%s", applied, out.String())
	}
	left, _ := sqsc.GetQueueAttributes(w.Ctx, &sqs.GetQueueAttributesInput{QueueUrl: &inURL, AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
	if left.Attributes["ApproximateNumberOfMessages"] != "0" || left.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
		t.Fatalf("messages left in the queue: %v", left.Attributes)
	}
	got, err := sqsc.ReceiveMessage(w.Ctx, &sqs.ReceiveMessageInput{QueueUrl: &inboxURL, MaxNumberOfMessages: 10, WaitTimeSeconds: 2})
	if err != nil || len(got.Messages) != 2 {
		t.Fatalf("managers received %d messages (%v), want 2", len(got.Messages), err)
	}
	bodies := *got.Messages[0].Body + *got.Messages[1].Body
	if !strings.Contains(bodies, rogue) || !strings.Contains(bodies, "violated company policy") {
		t.Fatalf("notifications: %s", bodies)
	}
}

// serve checks its queue once at start: a queue that does not exist, an endpoint nothing
// listens on and a --queue that is not a queue URL each stop it with exit 2 and say which.
func TestServeQueueCheckedAtStart(t *testing.T) {
	w := newWorld(t)
	good, _ := newQueue(t, w, "ec2guard-events", nil)
	missing := good[:strings.LastIndex(good, "/")] + "/ec2guard-missing"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now
	t.Setenv("AWS_MAX_ATTEMPTS", "2")
	for _, tt := range []struct {
		name, queue, endpoint string
		want                  []string
	}{
		{"no such queue", missing, "", []string{"--queue " + missing + ": SQS queue does not exist: " + missing + " in us-east-1 (create it"}},
		{"closed port", good, closed, []string{"--queue " + good + ": cannot reach the SQS endpoint " + closed + ": dial tcp", "connection refused"}},
		{"not a url", "not a url", "", []string{`--queue: "not a url" is not an SQS queue URL (want https://sqs.REGION.amazonaws.com/ACCOUNT/NAME)`}},
		{"not a queue path", "https://sqs.us-east-1.amazonaws.com/ec2guard", "", []string{"its path must be /ACCOUNT/NAME"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.endpoint != "" {
				t.Setenv("AWS_ENDPOINT_URL_SQS", tt.endpoint)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var out, errOut bytes.Buffer
			code := Run(ctx, []string{"serve", "-r", filepath.Join("..", "examples", "seeds.yaml"), "--var", "topic=" + w.topic,
				"--queue", tt.queue, "--no-state"}, strings.NewReader(""), &out, &errOut)
			if ctx.Err() != nil {
				t.Fatalf("serve did not stop at start:\n%s", errOut.String())
			}
			if code != ExitUsage {
				t.Fatalf("exit %d, want 2\n%s", code, errOut.String())
			}
			for _, want := range tt.want {
				if !strings.Contains(errOut.String(), want) {
					t.Errorf("stderr does not say %q:\n%s", want, errOut.String())
				}
			}
			if strings.Contains(errOut.String(), "consuming") {
				t.Errorf("serve started consuming:\n%s", errOut.String())
			}
		})
	}
}

// serve's timer: at start, and every --timer, it scans its region by the time-driven rules
// alone — the instance stopped for two days is started with no event in the queue, the
// protected one, which a rule on stop events restarts, is left to its events; --timer 0
// scans nothing.
func TestServeTimer(t *testing.T) {
	w := newWorld(t)
	setClockAhead(t, 48*time.Hour)
	idle, protected := w.Run(nil, true), w.Run(map[string]string{"Protected": "true"}, true)
	inURL, _ := newQueue(t, w, "ec2guard-timer-events", nil)
	file := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(file, []byte("rules:\n"+restartProtectedRule+`  - name: start-after-a-day
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    resources: [instance]
    filters: [{stopped-for: 1d}, {tag: Protected, absent: true}]
    actions: [start]
    mode: enforce
`), 0o644); err != nil {
		t.Fatal(err)
	}
	serve := func(timer string, until func() bool) (string, string) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		var out, errOut syncBuffer
		done := make(chan int)
		go func() {
			done <- Run(ctx, []string{"serve", "-r", file, "--queue", inURL, "--wait", "1", "--timer", timer,
				"--state", filepath.Join(t.TempDir(), "l.db")}, strings.NewReader(""), &out, &errOut)
		}()
		for deadline := time.Now().Add(15 * time.Second); !until() && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("serve --timer %s: exit %d\n%s", timer, code, errOut.String())
		}
		return out.String(), errOut.String()
	}
	start := time.Now()
	if out, _ := serve("0", func() bool { return time.Since(start) > 1500*time.Millisecond }); out != "" || w.State(idle) != "stopped" {
		t.Fatalf("serve --timer 0 acted: %s, the instance %s", out, w.State(idle))
	}
	out, errOut := serve("1h", func() bool { s := w.State(idle); return s == "running" || s == "pending" })
	if s := w.State(idle); s != "running" && s != "pending" {
		t.Fatalf("the timer left the instance stopped two days %s\n%s\n%s", s, out, errOut)
	}
	if s := w.State(protected); s != "stopped" {
		t.Fatalf("the timer applied a rule with no time in it: the protected instance is %s", s)
	}
	for _, d := range decisions(t, out) {
		if d.Rule == "restart-protected" || !strings.HasPrefix(d.EventID, "scan-timer-") {
			t.Errorf("a timer's record %+v", d)
		}
	}
	if !strings.Contains(errOut, `rules=start-after-a-day`) {
		t.Errorf("serve does not say what its timer scans:\n%s", errOut)
	}
}
