package awsapi

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Message is one SQS message.
type Message struct {
	ID            string
	ReceiptHandle string
	Body          string
	ReceiveCount  int
}

func (c *Clients) sqsClient(ctx context.Context) (*sqs.Client, error) {
	cfg, err := c.config(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.sqs == nil {
		c.sqs = sqs.NewFromConfig(cfg)
	}
	return c.sqs, nil
}

// Receive long-polls a queue for up to max messages, hiding them for visibility seconds.
func (c *Clients) Receive(ctx context.Context, queueURL string, max, waitSeconds, visibility int32) ([]Message, error) {
	cl, err := c.sqsClient(ctx)
	if err != nil {
		return nil, err
	}
	out, err := cl.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: &queueURL, MaxNumberOfMessages: max, WaitTimeSeconds: waitSeconds, VisibilityTimeout: visibility,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount},
	}, func(o *sqs.Options) { o.HTTPClient = c.poll })
	if err != nil {
		return nil, fmt.Errorf("receiving from %s: %w", queueURL, err)
	}
	msgs := make([]Message, 0, len(out.Messages))
	for _, m := range out.Messages {
		n, _ := strconv.Atoi(m.Attributes[string(sqstypes.MessageSystemAttributeNameApproximateReceiveCount)])
		msgs = append(msgs, Message{ID: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body), ReceiveCount: n})
	}
	return msgs, nil
}

// Delete removes a handled message.
func (c *Clients) Delete(ctx context.Context, queueURL, receipt string) error {
	cl, err := c.sqsClient(ctx)
	if err != nil {
		return err
	}
	if _, err := cl.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &queueURL, ReceiptHandle: &receipt}); err != nil {
		return fmt.Errorf("deleting a message from %s: %w", queueURL, err)
	}
	return nil
}

// ExtendVisibility keeps a message hidden for seconds more while it is being worked on.
func (c *Clients) ExtendVisibility(ctx context.Context, queueURL, receipt string, seconds int32) error {
	cl, err := c.sqsClient(ctx)
	if err != nil {
		return err
	}
	if _, err := cl.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: &queueURL, ReceiptHandle: &receipt, VisibilityTimeout: seconds}); err != nil {
		return fmt.Errorf("extending the visibility of a message in %s: %w", queueURL, err)
	}
	return nil
}
