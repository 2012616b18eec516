// Package demo is ec2guard demo: the seeds' three guardrails end to end on a local moto,
// through moto's EventBridge and SQS and the serve loop, printed as a timeline. It drives moto
// with the SDK clients directly, as the test harnesses do: it is a harness, not ec2guard.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/motoserver"
	"github.com/ec2guard/ec2guard/rules"
	"github.com/ec2guard/ec2guard/source"
)

type demo struct {
	ctx   context.Context
	out   io.Writer
	t0    time.Time
	mu    sync.Mutex
	ec2   *ec2.Client
	eb    *eventbridge.Client
	names map[string]string // instance id → name
	image string
}

func (d *demo) say(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	fmt.Fprintf(d.out, "%6.2fs  %s\n", time.Since(d.t0).Seconds(), fmt.Sprintf(format, args...))
}

// Engine builds ec2guard for the demo from the seeds' rule file, given the managers' topic
// ARN (the rules' topic variable): their rules, to install as EventBridge rules, and the
// engine that handles the events.
type Engine func(topicARN string) (set *rules.Set, h source.Handler, closeFn func(), err error)

// ErrNoMoto is returned, wrapped, when moto_server cannot be started.
var ErrNoMoto = errors.New("starting moto")

// ErrIncomplete is returned, wrapped, when the remediations did not all happen in time.
var ErrIncomplete = errors.New("the demo's remediations did not all happen within 20s")

// Run starts moto on a free loopback port, runs the seeds' three guardrails through moto's
// EventBridge, SQS and the serve loop, prints the timeline to out and stops moto.
func Run(ctx context.Context, out io.Writer, build Engine) error {
	t0 := time.Now()
	srv, err := motoserver.Start()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNoMoto, err)
	}
	defer srv.Stop()
	srv.Export()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	d := &demo{ctx: ctx, out: out, t0: t0, ec2: ec2.NewFromConfig(cfg), eb: eventbridge.NewFromConfig(cfg), names: map[string]string{}}
	d.say("moto_server is up at %s (a local AWS emulator; nothing leaves this machine)", srv.Endpoint)
	sqsc, snsc := sqs.NewFromConfig(cfg), sns.NewFromConfig(cfg)

	// Wiring: the managers' topic (and a queue subscribed to it, to read what they get),
	// the queue ec2guard consumes, and one EventBridge rule per seed guardrail.
	topic, err := snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("managers")})
	if err != nil {
		return err
	}
	inboxURL, inboxARN, err := demoQueue(ctx, sqsc, "managers-inbox")
	if err != nil {
		return err
	}
	if _, err := snsc.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: &inboxARN, Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		return err
	}
	queueURL, queueARN, err := demoQueue(ctx, sqsc, "ec2guard-events")
	if err != nil {
		return err
	}
	set, eng, closeFn, err := build(*topic.TopicArn)
	if err != nil {
		return err
	}
	defer closeFn()
	for i, r := range set.Rules {
		name := fmt.Sprintf("ec2guard-%d", i)
		if _, err := d.eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: &name, EventPattern: aws.String(string(r.Pattern))}); err != nil {
			return err
		}
		if _, err := d.eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: &name, Targets: []ebtypes.Target{{Id: aws.String("ec2guard"), Arn: &queueARN}}}); err != nil {
			return err
		}
	}
	d.say("EventBridge: %d rules (the patterns of examples/seeds.yaml) deliver to SQS %s", len(set.Rules), "ec2guard-events")

	consumeCtx, stopConsumer := context.WithCancel(ctx)
	defer stopConsumer()
	var applied sync.WaitGroup
	expect := map[string]bool{}
	var expMu sync.Mutex
	consumer := &source.Consumer{
		Queue: awsapi.New(), URL: queueURL, Handler: eng, Wait: 1,
		Record: func(ds []engine.Decision) error {
			for _, dec := range ds {
				who := d.names[dec.Resource]
				if who == "" {
					who = dec.Resource
				}
				if dec.Action == "" {
					d.say("  ec2guard  %-24s %s: %s", dec.Rule, who, dec.Reason)
				} else {
					d.say("  ec2guard  %-24s %-6s %s: %s — %s", dec.Rule, dec.Action, who, dec.Outcome, dec.Reason)
				}
				key := dec.Rule + "/" + dec.Action + "/" + dec.Resource
				expMu.Lock()
				if expect[key] {
					delete(expect, key)
					applied.Done()
				}
				expMu.Unlock()
			}
			return nil
		},
	}
	consumed := make(chan error)
	go func() { consumed <- consumer.Run(consumeCtx) }()
	want := func(rule, action, id string) {
		expMu.Lock()
		expect[rule+"/"+action+"/"+id] = true
		expMu.Unlock()
		applied.Add(1)
	}

	web, err := d.launch("web-1", map[string]string{"Protected": "true"})
	if err != nil {
		return err
	}
	batch, err := d.launch("batch-7", nil)
	if err != nil {
		return err
	}
	db, err := d.launch("db-1", map[string]string{"SPECIAL_EXCEPTION": "approved by ops"})
	if err != nil {
		return err
	}

	// Seed 000: someone stops a protected instance.
	want("restart-protected", "start", web)
	want("restart-protected", "notify", web)
	if _, err := d.ec2.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{web}}); err != nil {
		return err
	}
	d.say("user      stops web-1 (%s), tagged Protected=true", web)
	if err := d.stateEvent(web, "stopped"); err != nil {
		return err
	}
	// Seed 002: instances start running; one lacks the exception tag.
	want("stop-without-exception", "stop", batch)
	want("stop-without-exception", "notify", batch)
	d.say("user      runs batch-7 (%s) without SPECIAL_EXCEPTION, and db-1 (%s) with it", batch, db)
	if err := d.stateEvent(batch, "running"); err != nil {
		return err
	}
	if err := d.stateEvent(db, "running"); err != nil {
		return err
	}
	// Seed 004: alice launches an instance; CloudTrail reports RunInstances.
	alice, err := d.launch("alice-dev", nil)
	if err != nil {
		return err
	}
	want("auto-tag-creator", "tag", alice)
	if err := d.runInstancesEvent(alice); err != nil {
		return err
	}
	d.say("alice     launches alice-dev (%s); CloudTrail records RunInstances by assumed-role/Dev/alice", alice)

	waited := make(chan struct{})
	go func() { applied.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(20 * time.Second):
		stopConsumer()
		<-consumed
		return ErrIncomplete
	}
	stopConsumer()
	if err := <-consumed; err != nil {
		return err
	}

	d.say("result:")
	for _, id := range []string{web, batch, db, alice} {
		st, tags, err := d.describe(id)
		if err != nil {
			return err
		}
		d.say("  %-10s %-20s %-8s Owner=%s PrincipalId=%s", d.names[id], id, st, tags["Owner"], tags["PrincipalId"])
	}
	msgs, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: &inboxURL, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil {
		return err
	}
	d.say("managers' topic received %d messages:", len(msgs.Messages))
	for _, m := range msgs.Messages {
		text, _, _ := strings.Cut(aws.ToString(m.Body), "\n\n")
		d.say("  %s", text)
	}
	d.say("done; moto stopped")
	return nil
}

func demoQueue(ctx context.Context, c *sqs.Client, name string) (url, arn string, err error) {
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: &name})
	if err != nil {
		return "", "", err
	}
	a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		return "", "", err
	}
	return *q.QueueUrl, a.Attributes["QueueArn"], nil
}

func (d *demo) launch(name string, tags map[string]string) (string, error) {
	if d.image == "" {
		imgs, err := d.ec2.DescribeImages(d.ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}, MaxResults: aws.Int32(5)})
		if err != nil || len(imgs.Images) == 0 {
			return "", fmt.Errorf("no AMI in moto: %v", err)
		}
		d.image = *imgs.Images[0].ImageId
	}
	spec := ec2types.TagSpecification{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: &name}}}
	for k, v := range tags {
		spec.Tags = append(spec.Tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	out, err := d.ec2.RunInstances(d.ctx, &ec2.RunInstancesInput{ImageId: &d.image, MinCount: aws.Int32(1), MaxCount: aws.Int32(1), TagSpecifications: []ec2types.TagSpecification{spec}})
	if err != nil {
		return "", err
	}
	id := *out.Instances[0].InstanceId
	d.mu.Lock()
	d.names[id] = name
	d.mu.Unlock()
	return id, nil
}

func (d *demo) put(detailType, detail string) error {
	out, err := d.eb.PutEvents(d.ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		Source: aws.String("aws.ec2"), DetailType: &detailType, Detail: &detail,
	}}})
	if err == nil && out.FailedEntryCount > 0 {
		err = fmt.Errorf("EventBridge refused an event: %s", aws.ToString(out.Entries[0].ErrorMessage))
	}
	return err
}

func (d *demo) stateEvent(id, state string) error {
	return d.put("EC2 Instance State-change Notification", fmt.Sprintf(`{"instance-id":%q,"state":%q}`, id, state))
}

// runInstancesEvent is what CloudTrail records of the launch of id: ec2guard checks its
// reservation id and time against the instance before tagging it.
func (d *demo) runInstancesEvent(id string) error {
	out, err := d.ec2.DescribeInstances(d.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || len(out.Reservations) == 0 || len(out.Reservations[0].Instances) == 0 {
		return fmt.Errorf("describing %s: %v", id, err)
	}
	r := out.Reservations[0]
	detail, _ := json.Marshal(map[string]any{
		"eventSource": "ec2.amazonaws.com", "eventName": "RunInstances", "awsRegion": motoserver.Region,
		"eventID": "demo-" + id, "eventTime": aws.ToTime(r.Instances[0].LaunchTime).UTC().Format(time.RFC3339),
		"userIdentity": map[string]any{
			"type": "AssumedRole", "principalId": "AROADEMOEXAMPLE:alice", "arn": "arn:aws:sts::" + motoserver.AccountID + ":assumed-role/Dev/alice",
			"sessionContext": map[string]any{"sessionIssuer": map[string]any{"type": "Role", "userName": "Dev", "arn": "arn:aws:iam::" + motoserver.AccountID + ":role/Dev"}},
		},
		"responseElements": map[string]any{"reservationId": aws.ToString(r.ReservationId), "ownerId": aws.ToString(r.OwnerId),
			"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": id}}}},
	})
	return d.put("AWS API Call via CloudTrail", string(detail))
}

func (d *demo) describe(id string) (string, map[string]string, error) {
	out, err := d.ec2.DescribeInstances(d.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		return "", nil, err
	}
	in := out.Reservations[0].Instances[0]
	tags := map[string]string{}
	for _, t := range in.Tags {
		tags[*t.Key] = *t.Value
	}
	return string(in.State.Name), tags, nil
}
