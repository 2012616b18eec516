package act

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

// The grace test has two engines claim one due action in the state table at once, which
// relies on DynamoDB's atomic conditional writes: threaded moto does not make them atomic,
// so the package runs on a moto serving one request at a time (motoserver.StartSerial).
func TestMain(m *testing.M) { os.Exit(mototest.MainSerial(m)) }

func newFleet(t *testing.T) *mototest.Fleet { return mototest.NewFleet(t) }

func build(t *testing.T, name string, params map[string]any) engine.Action {
	t.Helper()
	if params == nil {
		params = map[string]any{}
	}
	a, err := (&Factory{API: awsapi.New(), Poll: 10}).New(rules.ActionSpec{Name: name, Params: params})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func inv(id, kind string, dry bool, ev *event.Event) engine.Invocation {
	return engine.Invocation{Rule: "r", Event: ev, Resource: &engine.Resource{Ref: resource.Ref{Kind: resource.Kind(kind), ID: id, Place: resource.Place{Region: mototest.Region}}}, DryRun: dry}
}

func TestStartStopProtect(t *testing.T) {
	f := newFleet(t)
	ctx := f.Ctx
	id := f.Run(map[string]string{"Protected": "true"}, false)
	start, stop := build(t, "start", nil), build(t, "stop", nil)

	if r := start.Do(ctx, inv(id, "instance", false, nil)); r.Outcome != engine.Skipped || !strings.Contains(r.Reason, "running: nothing to start") {
		t.Fatalf("start on running: %+v", r)
	}
	f.Stop(id)
	if r := start.Do(ctx, inv(id, "instance", true, nil)); r.Outcome != engine.DryRun || f.State(id) != "stopped" {
		t.Fatalf("dry-run start: %+v, state %s", r, f.State(id))
	}
	if r := start.Do(ctx, inv(id, "instance", false, nil)); r.Outcome != engine.Applied || f.State(id) != "running" {
		t.Fatalf("start: %+v, state %s", r, f.State(id))
	}
	// Stop protection: reported, not touched, unless force.
	if r := build(t, "protect", map[string]any{"stop": true}).Do(ctx, inv(id, "instance", false, nil)); r.Outcome != engine.Applied {
		t.Fatalf("protect: %+v", r)
	}
	if r := stop.Do(ctx, inv(id, "instance", false, nil)); r.Outcome != engine.Skipped || !strings.Contains(r.Reason, "stop protection") || f.State(id) != "running" {
		t.Fatalf("stop on protected: %+v, state %s", r, f.State(id))
	}
	force := build(t, "stop", map[string]any{"force": true})
	if r := force.Do(ctx, inv(id, "instance", false, nil)); r.Outcome != engine.Applied || f.State(id) != "stopped" {
		t.Fatalf("forced stop: %+v, state %s", r, f.State(id))
	}
	if r := stop.Do(ctx, inv(id, "instance", false, nil)); r.Outcome != engine.Skipped {
		t.Fatalf("stop on stopped: %+v", r)
	}
	if r := start.Do(ctx, inv("i-0123456789abcdef0", "instance", false, nil)); r.Outcome != engine.Skipped || !strings.Contains(r.Reason, "no longer exists") {
		t.Fatalf("start on unknown: %+v", r)
	}
}

// envelope is an SNS notification as an SQS subscription receives it.
type envelope struct{ Subject, Message string }

// inbox subscribes a new queue to a new topic and returns the topic and what the queue has
// received within wait (each message deleted as it is read).
func inbox(t *testing.T, f *mototest.Fleet, name string) (topic string, received func(wait int32) []envelope) {
	t.Helper()
	snsc, sqsc := sns.NewFromConfig(f.Cfg), sqs.NewFromConfig(f.Cfg)
	tp, err := snsc.CreateTopic(f.Ctx, &sns.CreateTopicInput{Name: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	q, err := sqsc.CreateQueue(f.Ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-inbox")})
	if err != nil {
		t.Fatal(err)
	}
	qa, _ := sqsc.GetQueueAttributes(f.Ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if _, err := snsc.Subscribe(f.Ctx, &sns.SubscribeInput{TopicArn: tp.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(qa.Attributes["QueueArn"])}); err != nil {
		t.Fatal(err)
	}
	return *tp.TopicArn, func(wait int32) []envelope {
		t.Helper()
		msgs, err := sqsc.ReceiveMessage(f.Ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: wait, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		var out []envelope
		for _, m := range msgs.Messages {
			var e envelope
			if err := json.Unmarshal([]byte(*m.Body), &e); err != nil {
				t.Fatal(err)
			}
			out = append(out, e)
			if _, err := sqsc.DeleteMessage(f.Ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
}

func TestNotify(t *testing.T) {
	f := newFleet(t)
	topic, received := inbox(t, f, "ops")
	id := f.Run(nil, false)
	ev, _ := event.Parse([]byte(`{"id":"e-7","source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","account":"123456789012","region":"us-east-1","detail":{"instance-id":"` + id + `","state":"running"}}`))
	n := build(t, "notify", map[string]any{"topic": topic, "subject": "EC2 {{.ResourceID}} violated company policy!! Manager will be notified!! " + strings.Repeat("x", 100)})
	// publish runs the notification and returns what the subscribed queue received.
	publish := func(in engine.Invocation) envelope {
		t.Helper()
		if r := n.Do(f.Ctx, in); r.Outcome != engine.Applied {
			t.Fatalf("notify: %+v", r)
		}
		got := received(2)
		if len(got) != 1 {
			t.Fatalf("received %v", got)
		}
		return got[0]
	}

	got := publish(inv(id, "instance", false, ev))
	if len(got.Subject) != 100 || !strings.HasPrefix(got.Subject, "EC2 "+id+" violated") {
		t.Errorf("subject %q (%d chars)", got.Subject, len(got.Subject))
	}
	text, body, ok := strings.Cut(got.Message, "\n\n")
	if !ok || !strings.Contains(text, id) {
		t.Fatalf("message %q", got.Message)
	}
	var machine map[string]any
	if err := json.Unmarshal([]byte(body), &machine); err != nil || machine["resource"] != id || machine["state"] != "running" || machine["event_id"] != "e-7" {
		t.Fatalf("JSON body %q: %v", body, err)
	}

	// A loop budget that held actions back is told, in the subject, the text and the body.
	held := inv(id, "instance", false, ev)
	held.Earlier = []engine.Step{{Action: "stop", Mutating: true, Outcome: engine.Suppressed, Reason: "loop budget: 3 mutating actions on instance:" + id + " within 10m0s already"}}
	if got := publish(held); !strings.HasPrefix(got.Subject, "[actions held back] EC2 "+id) || !strings.Contains(got.Message, "held back actions on "+id+": stop: loop budget") || !strings.Contains(got.Message, `"suppressed":["stop: loop budget`) {
		t.Fatalf("loop notification: subject %q\nmessage %q", got.Subject, got.Message)
	}

	// An earlier action that failed is told too: the notification does not announce it done.
	broke := inv(id, "instance", false, ev)
	broke.Earlier = []engine.Step{{Action: "stop", Mutating: true, Outcome: engine.Failed, Reason: "stopping " + id, Error: "stopping " + id + ": UnauthorizedOperation"}}
	if got := publish(broke); !strings.HasPrefix(got.Subject, "[action failed] EC2 "+id) || !strings.Contains(got.Message, "could not complete actions on "+id+": stop: stopping") || !strings.Contains(got.Message, `"failed":["stop: stopping`) {
		t.Fatalf("failure notification: subject %q\nmessage %q", got.Subject, got.Message)
	}
}
