package awsapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
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

// Errors of CheckQueue.
var (
	ErrNoQueue     = errors.New("SQS queue does not exist")
	ErrUnreachable = errors.New("cannot reach the SQS endpoint")
	// ErrInconclusive is a check that ended in what may pass (timeouts, throttling, 5xx,
	// after the SDK's retries): a slow start is no reason to stop.
	ErrInconclusive = errors.New("could not check the SQS queue")
)

// CheckQueue asks SQS for the queue's ARN (sqs:GetQueueAttributes), so that a consumer
// pointed at a queue that does not exist, or at an endpoint nothing answers on, stops at
// start instead of retrying forever: the errors are ErrNoQueue and ErrUnreachable (after the
// retries of the SDK), ErrInconclusive (timeouts, throttling, 5xx: it may pass), or what SQS
// answered (access denied...).
func (c *Clients) CheckQueue(ctx context.Context, queueURL string) (arn string, err error) {
	cl, err := c.sqsClient(ctx)
	if err != nil {
		return "", err
	}
	out, err := cl.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &queueURL, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	var ae smithy.APIError
	var send *smithyhttp.RequestSendError
	var timeout interface{ Timeout() bool }
	var resp *awshttp.ResponseError
	switch {
	case err == nil:
		return out.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], nil
	case (errors.As(err, &timeout) && timeout.Timeout()) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &resp) && resp.HTTPStatusCode() >= 500) || retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary:
		return "", fmt.Errorf("%w %s: %w", ErrInconclusive, queueURL, err)
	case errors.As(err, &ae) && (ae.ErrorCode() == "AWS.SimpleQueueService.NonExistentQueue" || ae.ErrorCode() == "QueueDoesNotExist"):
		return "", fmt.Errorf("%w: %s in %s", ErrNoQueue, queueURL, cl.Options().Region)
	case errors.As(err, &send):
		endpoint := aws.ToString(cl.Options().BaseEndpoint)
		if endpoint == "" {
			endpoint = "of " + cl.Options().Region
		}
		cause := send.Err
		var ue *url.Error
		if errors.As(cause, &ue) {
			cause = ue.Err // the endpoint is named already
		}
		return "", fmt.Errorf("%w %s: %w", ErrUnreachable, endpoint, cause)
	}
	return "", fmt.Errorf("reading the attributes of %s: %w", queueURL, err)
}

// Pending is how many messages a queue holds, visible, in flight or delayed (SQS's
// approximate counts, sqs:GetQueueAttributes).
func (c *Clients) Pending(ctx context.Context, queueURL string) (int, error) {
	cl, err := c.sqsClient(ctx)
	if err != nil {
		return 0, err
	}
	names := []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
		sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible, sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed}
	out, err := cl.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &queueURL, AttributeNames: names})
	if err != nil {
		return 0, fmt.Errorf("reading the depth of %s: %w", queueURL, err)
	}
	n := 0
	for _, name := range names {
		v, err := strconv.Atoi(out.Attributes[string(name)])
		if err != nil {
			return 0, fmt.Errorf("the depth of %s: %s is %q", queueURL, name, out.Attributes[string(name)])
		}
		n += v
	}
	return n, nil
}

// Send puts bodies on a queue, ten to a SendMessageBatch call (SQS's largest batch); the
// entries SQS refuses are sent once more in the next call, and those refused again make
// the error, which names how many were sent before it.
func (c *Clients) Send(ctx context.Context, queueURL string, bodies []string) error {
	cl, err := c.sqsClient(ctx)
	if err != nil {
		return err
	}
	sent := 0
	retried := map[string]bool{}
	todo := slices.Clone(bodies)
	for len(todo) > 0 {
		n := min(10, len(todo))
		entries := make([]sqstypes.SendMessageBatchRequestEntry, n)
		for i := range n {
			entries[i] = sqstypes.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(todo[i])}
		}
		out, err := cl.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &queueURL, Entries: entries})
		if err != nil {
			return fmt.Errorf("sending to %s (%d of %d sent): %w", queueURL, sent, len(bodies), err)
		}
		var again []string
		for _, f := range out.Failed {
			i, _ := strconv.Atoi(aws.ToString(f.Id))
			if i >= n || retried[todo[i]] {
				return fmt.Errorf("sending to %s (%d of %d sent): refused: %s %s", queueURL, sent, len(bodies), aws.ToString(f.Code), aws.ToString(f.Message))
			}
			retried[todo[i]] = true
			again = append(again, todo[i])
		}
		sent += len(out.Successful)
		todo = append(again, todo[n:]...)
	}
	return nil
}
