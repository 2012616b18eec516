package notify

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/internal/mototest"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

var _ Publisher = (*awsapi.Clients)(nil)

// snsNote is an SNS notification as a (non-raw) SQS subscription receives it.
type snsNote struct {
	Subject, Message  string
	MessageAttributes map[string]struct{ Type, Value string }
}

type snsWorld struct {
	t     *testing.T
	ctx   context.Context
	sns   *sns.Client
	sqs   *sqs.Client
	topic string
}

func newSNSWorld(t *testing.T) *snsWorld {
	t.Helper()
	f := mototest.NewFleet(t) // a reset server and its configuration
	w := &snsWorld{t: t, ctx: f.Ctx, sns: sns.NewFromConfig(f.Cfg), sqs: sqs.NewFromConfig(f.Cfg)}
	tp, err := w.sns.CreateTopic(w.ctx, &sns.CreateTopicInput{Name: aws.String("owners")})
	if err != nil {
		t.Fatal(err)
	}
	w.topic = *tp.TopicArn
	return w
}

// inbox subscribes a new queue to the topic, with a filter policy when one is given, and
// returns a function that reads what it has received.
func (w *snsWorld) inbox(name, filter string) func() []snsNote {
	t := w.t
	q, err := w.sqs.CreateQueue(w.ctx, &sqs.CreateQueueInput{QueueName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	qa, err := w.sqs.GetQueueAttributes(w.ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	in := &sns.SubscribeInput{TopicArn: &w.topic, Protocol: aws.String("sqs"), Endpoint: aws.String(qa.Attributes["QueueArn"])}
	if filter != "" {
		in.Attributes = map[string]string{"FilterPolicy": filter}
	}
	if _, err := w.sns.Subscribe(w.ctx, in); err != nil {
		t.Fatal(err)
	}
	return func() []snsNote {
		t.Helper()
		out, err := w.sqs.ReceiveMessage(w.ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		var notes []snsNote
		for _, m := range out.Messages {
			var n snsNote
			if err := json.Unmarshal([]byte(*m.Body), &n); err != nil {
				t.Fatal(err)
			}
			notes = append(notes, n)
		}
		return notes
	}
}

// On moto through the real SDK: what awsapi.Publish sends as the message's attributes,
// and subscription filter policies on them.
func TestSNSAttributes(t *testing.T) {
	w := newSNSWorld(t)
	all := w.inbox("all", "")
	alice := w.inbox("alice", `{"owner": ["alice"]}`)
	severe := w.inbox("severe", `{"severity": ["high", "critical"], "control": [{"prefix": "EC2-"}]}`)
	mail := w.inbox("mail", `{"email": ["alice@example.com"]}`)
	s := &Sender{SNS: awsapi.New(), EmailTopic: w.topic}

	bob := failing
	bob.Owner, bob.PrincipalID, bob.Severity = "bob", "AIDABOB", "low"
	for _, d := range append(s.Deliver(w.ctx, Recipient{SNS: w.topic, Email: "alice@example.com"}, failing), s.Deliver(w.ctx, Recipient{SNS: w.topic}, bob)...) {
		if d.Err != nil || d.ID == "" {
			t.Fatalf("delivery %+v", d)
		}
	}

	got := all()
	if len(got) != 3 {
		t.Fatalf("the unfiltered queue got %d notes, want 3 (alice's by sns and by email, bob's)", len(got))
	}
	var n snsNote
	for _, g := range got {
		if g.MessageAttributes["owner"].Value == "alice" && g.MessageAttributes["email"].Value == "" {
			n = g
		}
	}
	if n.Subject != failing.Subject() || n.Message != failing.Text() {
		t.Errorf("note %q / %q", n.Subject, n.Message)
	}
	want := map[string]string{"owner": "alice", "principal_id": "AIDAALICE", "rule": "require-exception", "control": "EC2-2", "severity": "high", "account": "111122223333"}
	for k, v := range want {
		if a := n.MessageAttributes[k]; a.Type != "String" || a.Value != v {
			t.Errorf("attribute %s = %+v, want String %q", k, a, v)
		}
	}
	if len(n.MessageAttributes) != len(want) {
		t.Errorf("attributes %v", n.MessageAttributes)
	}
	if got := alice(); len(got) != 2 || got[0].MessageAttributes["owner"].Value != "alice" {
		t.Errorf("alice's filter let through %+v", got)
	}
	if got := severe(); len(got) != 2 || got[0].MessageAttributes["severity"].Value != "high" {
		t.Errorf("the severity filter let through %+v", got)
	}
	if got := mail(); len(got) != 1 || got[0].MessageAttributes["email"].Value != "alice@example.com" {
		t.Errorf("the e-mail filter let through %+v", got)
	}
}

// What moto answers to an attribute without a value: AWS refuses it (InvalidParameterValue),
// which is why Message.Attributes leaves empty ones out.
func TestSNSEmptyAttribute(t *testing.T) {
	w := newSNSWorld(t)
	_, err := awsapi.New().Publish(w.ctx, w.topic, "s", "m", map[string]string{"owner": ""})
	if err == nil || !strings.Contains(err.Error(), "must contain non-empty message attribute value") {
		t.Errorf("moto on an empty attribute value: %v", err)
	}
}
