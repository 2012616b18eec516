package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/source"
)

// A missing state table stops every command at start, naming the table and how to create it.
func TestStateTableMissing(t *testing.T) {
	mototest.NewFleet(t) // a clean moto: no table
	seeds := "../examples/seeds.yaml"
	t.Setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:1") // never reached: the table check comes first
	t.Setenv("EC2GUARD_TABLE", "ec2guard-missing")
	t.Setenv("EC2GUARD_RULES", seeds)
	t.Setenv("EC2GUARD_VAR_topic", "arn:aws:sns:us-east-1:123456789012:ops")
	for _, tt := range []struct {
		name string
		args []string
		from string
	}{
		{"handle", []string{"handle", "-r", seeds, "--state", "dynamodb://ec2guard-missing"}, "--state dynamodb://ec2guard-missing: "},
		{"serve", []string{"serve", "-r", seeds, "--queue", "http://127.0.0.1:1/123456789012/q", "--state", "dynamodb://ec2guard-missing"}, "--state dynamodb://ec2guard-missing: "},
		{"lambda", []string{"lambda"}, "EC2GUARD_TABLE=ec2guard-missing: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, stateChange("e1", "i-1", "stopped"), tt.args...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want 2\n%s", code, errOut)
			}
			for _, want := range []string{tt.from, `DynamoDB table not found: "ec2guard-missing" in us-east-1`, "aws dynamodb create-table --table-name ec2guard-missing", "AttributeName=expires_at"} {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr does not say %q:\n%s", want, errOut)
				}
			}
		})
	}
	if code, _, errOut := runCLI(t, "", "handle", "-r", seeds, "--state", "dynamodb://"); code != ExitUsage || !strings.Contains(errOut, "want dynamodb://TABLE") {
		t.Fatalf("empty table name: exit %d %s", code, errOut)
	}
}

// Two handle runs — two processes — share the ledger and the loop budget through the table.
func TestHandleStateTable(t *testing.T) {
	w := newWorld(t)
	mototest.StateTable(t, "ec2guard-state")
	dir := t.TempDir()
	rulesFile := writeFile(t, dir, "r.yaml", `rules:
  - name: restart
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    filters: [{tag: Protected, equals: "true"}]
    actions: [start]
    mode: enforce
`)
	id := w.Run(map[string]string{"Protected": "true"}, true)
	args := []string{"handle", "-r", rulesFile, "--state", "dynamodb://ec2guard-state", "--loop-budget", "1"}
	outcome := func(ev string) engine.Decision {
		t.Helper()
		code, out, errOut := runCLI(t, ev, args...)
		ds := decisions(t, out)
		if code != 0 || len(ds) != 1 {
			t.Fatalf("exit %d %+v\n%s", code, ds, errOut)
		}
		return ds[0]
	}
	if d := outcome(stateChange("e1", id, "stopped")); d.Outcome != engine.Applied {
		t.Fatalf("first run: %+v", d)
	}
	if d := outcome(stateChange("e1", id, "stopped")); d.Outcome != engine.Duplicate {
		t.Fatalf("the same event in another run: %+v", d)
	}
	w.Stop(id)
	if d := outcome(stateChange("e2", id, "stopped")); d.Outcome != engine.Suppressed || !strings.Contains(d.Reason, "loop budget: 1 mutating action on instance:"+id) {
		t.Fatalf("a second action on the instance in another run: %+v", d)
	}
	if w.State(id) != "stopped" {
		t.Fatalf("the suppressed start ran: %s", w.State(id))
	}
}

// The Lambda function, configured from its environment, invoked once per event in a fresh
// engine each time (as cold starts would), in two deployments that share the state table and
// whose rule files are each loop-free — validate passes each, and finds the loop in the two
// together — yet together loop on one instance: the shared budget stops the loop and the
// managers are told.
func TestLambdaLoopStoppedBySharedBudget(t *testing.T) {
	w := newWorld(t)
	mototest.StateTable(t, "ec2guard-state")
	inboxSQS, inbox := subscribeQueue(t, w)
	dir := t.TempDir()
	restart := `  - name: restart-protected
    pattern: {source: [aws.ec2], account: ["123456789012"], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    filters: [{tag: Protected, equals: "true"}]
    actions: [start, {notify: {topic: "${var:topic}"}}]
    mode: enforce
`
	stop := `  - name: stop-without-exception
    pattern: {source: [aws.ec2], account: ["123456789012"], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    filters: [{tag: SPECIAL_EXCEPTION, absent: true}]
    actions: [stop, {notify: {topic: "${var:topic}"}}]
    mode: enforce
`
	files := map[string]string{ // by the state whose events the deployment acts on
		"stopped": writeFile(t, dir, "restart.yaml", "rules:\n"+restart),
		"running": writeFile(t, dir, "stop.yaml", "rules:\n"+stop),
	}
	for _, f := range files {
		if code, _, errOut := runCLI(t, "", "validate", "-r", f, "--var", "topic="+w.topic); code != 0 {
			t.Fatalf("validate %s: exit %d\n%s", f, code, errOut)
		}
	}
	both := writeFile(t, dir, "both.yaml", "rules:\n"+restart+stop)
	if code, _, errOut := runCLI(t, "", "validate", "-r", both, "--var", "topic="+w.topic); code != 2 || !strings.Contains(errOut, "remediation loop") {
		t.Fatalf("validate of both rule files in one: exit %d\n%s", code, errOut)
	}
	t.Setenv("EC2GUARD_TABLE", "ec2guard-state")
	t.Setenv("EC2GUARD_VAR_topic", w.topic)
	id := w.Run(map[string]string{"Protected": "true"}, false)

	var mutations []string
	var held engine.Decision
	for i := 0; i < 10 && held.Outcome == ""; i++ {
		t.Setenv("EC2GUARD_RULES", files[w.State(id)])
		f := lambdaFlags()
		eng, closeFn, err := f.build(io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		var log bytes.Buffer
		res, err := source.LambdaHandler(eng, &log)(context.Background(), json.RawMessage(stateChange(fmt.Sprint("loop-", i), id, w.State(id))))
		closeFn()
		if err != nil {
			t.Fatalf("invocation %d failed: %v\n%s", i, err, log.String())
		}
		for _, d := range res.Decisions {
			switch {
			case d.Action == "notify":
			case d.Outcome == engine.Applied:
				mutations = append(mutations, d.Action)
			case d.Outcome == engine.Suppressed:
				held = d
			default:
				t.Fatalf("invocation %d: %+v", i, d)
			}
		}
	}
	if got := strings.Join(mutations, ","); got != "stop,start,stop" || held.Action != "start" || !strings.Contains(held.Reason, "loop budget: 3 mutating actions on instance:"+id) {
		t.Fatalf("applied %s, then held back %+v", got, held)
	}
	if w.State(id) != "stopped" {
		t.Fatalf("the instance is %s after the loop was stopped", w.State(id))
	}
	// Four notifications; the last one says what was held back.
	var last string
	for n := 0; n < 4; {
		got, err := inboxSQS.ReceiveMessage(w.Ctx, &sqs.ReceiveMessageInput{QueueUrl: &inbox, MaxNumberOfMessages: 10, WaitTimeSeconds: 2})
		if err != nil || len(got.Messages) == 0 {
			t.Fatalf("managers received %d of 4 messages: %v", n, err)
		}
		for _, m := range got.Messages {
			n++
			if strings.Contains(*m.Body, "held back") {
				last = *m.Body
			}
		}
	}
	// The default subject says it: "ec2guard: RULE on ID: held back".
	if !strings.Contains(last, `: held back",`) || !strings.Contains(last, "start: loop budget") {
		t.Fatalf("no notification of the held-back start: %s", last)
	}
}

// subscribeQueue subscribes a new SQS queue to the world's topic and returns it.
func subscribeQueue(t *testing.T, w *world) (*sqs.Client, string) {
	t.Helper()
	cl := sqs.NewFromConfig(w.Cfg)
	q, err := cl.CreateQueue(w.Ctx, &sqs.CreateQueueInput{QueueName: aws.String("managers")})
	if err != nil {
		t.Fatal(err)
	}
	a, err := cl.GetQueueAttributes(w.Ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	arn := a.Attributes["QueueArn"]
	if _, err := sns.NewFromConfig(w.Cfg).Subscribe(w.Ctx, &sns.SubscribeInput{TopicArn: &w.topic, Protocol: aws.String("sqs"), Endpoint: &arn}); err != nil {
		t.Fatal(err)
	}
	return cl, *q.QueueUrl
}
