// Package awsapi is ec2guard's only door to AWS: the few domain calls the actions need, the
// SQS queue serve consumes and the DynamoDB state table of a deployment (Table), over
// aws-sdk-go-v2 clients created lazily (a command that handles no matching event never even
// loads the AWS configuration) from the standard configuration chain — credentials,
// AWS_REGION, AWS_PROFILE and AWS_ENDPOINT_URL (how tests point at moto) — with the SDK's
// standard retryer (throttling and 5xx are retried with backoff).
package awsapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/ec2guard/ec2guard/resource"
)

// DefaultAttemptTimeout bounds one HTTP attempt of an AWS call unless Clients says otherwise.
const DefaultAttemptTimeout = 20 * time.Second

// Clients hands out one client per service and region, created on first use.
type Clients struct {
	// AttemptTimeout bounds each HTTP attempt of a call, so a connection that hangs is
	// retried instead of holding the caller (and, in serve, the queue) forever; a long poll
	// gets its wait on top. Zero: DefaultAttemptTimeout. MaxBackoff caps the wait between
	// retries (zero: the SDK's 20s). Both are read on first use.
	AttemptTimeout time.Duration
	MaxBackoff     time.Duration
	// PageSize caps the MaxResults of the list calls (zero: each call's largest); tests set
	// it to see pages. Logger gets what a read leaves out and why (nil: slog.Default()).
	PageSize int32
	Logger   *slog.Logger

	once    sync.Once
	cfg     aws.Config
	cfgErr  error
	poll    *awshttp.BuildableClient // for long polls: AttemptTimeout plus SQS's longest wait
	mu      sync.Mutex
	ec2     map[string]*ec2.Client
	sns     map[string]*sns.Client
	sqs     *sqs.Client
	ddb     *dynamodb.Client // only when a state table is used (Table)
	selfArn string
	role    string                             // the remediation role of other accounts (SetAssumeRole)
	creds   map[string]aws.CredentialsProvider // per other account: the role's credentials

	cloudtrail map[string]*cloudtrail.Client // per account and region (LookupEvent)
}

// New returns Clients that load the AWS configuration when first needed.
func New() *Clients {
	return &Clients{ec2: map[string]*ec2.Client{}, sns: map[string]*sns.Client{}}
}

func (c *Clients) config(ctx context.Context) (aws.Config, error) {
	c.once.Do(func() {
		timeout := c.AttemptTimeout
		if timeout <= 0 {
			timeout = DefaultAttemptTimeout
		}
		httpc := awshttp.NewBuildableClient().WithTimeout(timeout)
		c.poll = httpc.WithTimeout(timeout + 20*time.Second)
		c.cfg, c.cfgErr = config.LoadDefaultConfig(ctx, config.WithHTTPClient(httpc), config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 5
				// The standard variable still rules: the retryer given here replaces the one
				// the SDK would build from it.
				if n, err := strconv.Atoi(os.Getenv("AWS_MAX_ATTEMPTS")); err == nil && n > 0 {
					o.MaxAttempts = n
				}
				if c.MaxBackoff > 0 {
					o.MaxBackoff = c.MaxBackoff
				}
			})
		}))
		if c.cfgErr != nil {
			c.cfgErr = fmt.Errorf("loading AWS configuration: %w", c.cfgErr)
		}
	})
	return c.cfg, c.cfgErr
}

// accountConfig is the configuration of an account ("" or ec2guard's own: its own
// credentials), and the key its clients are cached under: through the remediation role
// (SetAssumeRole) when that account is not ec2guard's own, with one credentials cache per
// account for every service.
func (c *Clients) accountConfig(ctx context.Context, account string) (cfg aws.Config, key string, err error) {
	cfg, err = c.config(ctx)
	if err != nil {
		return cfg, "", err
	}
	role := c.roleFor(account)
	if role == "" {
		return cfg, "", nil
	}
	own, err := c.ownAccount(ctx)
	if err != nil {
		return cfg, "", fmt.Errorf("acting in account %s: %w", account, err)
	}
	if account == own {
		return cfg, "", nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	creds, ok := c.creds[account]
	if !ok {
		roleARN := "arn:" + arnPartition(c.selfArn) + ":iam::" + account + ":role/" + role
		creds = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(c.cfg), roleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "ec2guard"
		}))
		if c.creds == nil {
			c.creds = map[string]aws.CredentialsProvider{}
		}
		c.creds[account] = creds
	}
	cfg = cfg.Copy()
	cfg.Credentials = creds
	return cfg, account, nil
}

// ec2At is the EC2 client of a place — its region ("" the configured one), in its account
// (through the remediation role when that is not ec2guard's own): the only way to one.
func (c *Clients) ec2At(ctx context.Context, at resource.Place) (*ec2.Client, error) {
	cfg, acct, err := c.accountConfig(ctx, at.Account)
	if err != nil {
		return nil, err
	}
	key := acct + "/" + at.Region
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.ec2[key]; ok {
		return cl, nil
	}
	cl := ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		if at.Region != "" {
			o.Region = at.Region
		}
	})
	c.ec2[key] = cl
	return cl, nil
}

func (c *Clients) snsClient(ctx context.Context, region string) (*sns.Client, error) {
	cfg, err := c.config(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.sns[region]; ok {
		return cl, nil
	}
	cl := sns.NewFromConfig(cfg, func(o *sns.Options) {
		if region != "" {
			o.Region = region
		}
	})
	c.sns[region] = cl
	return cl, nil
}

// Instance is what ec2guard reads of an instance.
type Instance struct {
	ID         string
	State      resource.State
	Tags       map[string]string
	VolumeIDs  []string
	NetworkIDs []string // network interface ids
}

// ErrNotFound is returned for a resource AWS does not know (any more).
var ErrNotFound = errors.New("resource not found")

// ErrDenied is returned for a call IAM refused (EC2's UnauthorizedOperation): for CreateTags
// under a grant conditioned on the key being absent, the resource may have the key already.
var ErrDenied = errors.New("denied by IAM")

func denied(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "UnauthorizedOperation", "AccessDenied", "AccessDeniedException":
			return true
		}
	}
	return false
}

func notFound(err error) bool {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code := ae.ErrorCode()
		return strings.HasSuffix(code, ".NotFound") || strings.HasSuffix(code, ".Malformed")
	}
	return false
}

// DescribeInstance reads an instance; ErrNotFound when it does not exist.
func (c *Clients) DescribeInstance(ctx context.Context, at resource.Place, id string) (*Instance, error) {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return nil, err
	}
	out, err := cl.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		if notFound(err) {
			return nil, fmt.Errorf("instance %s: %w", id, ErrNotFound)
		}
		return nil, fmt.Errorf("describing instance %s: %w", id, err)
	}
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			if aws.ToString(in.InstanceId) != id {
				continue
			}
			return instanceOf(in), nil
		}
	}
	return nil, fmt.Errorf("instance %s: %w", id, ErrNotFound)
}

func instanceOf(in ec2types.Instance) *Instance {
	inst := &Instance{ID: aws.ToString(in.InstanceId), Tags: tagMap(in.Tags)}
	if in.State != nil {
		inst.State = resource.State(in.State.Name)
	}
	for _, b := range in.BlockDeviceMappings {
		if b.Ebs != nil && b.Ebs.VolumeId != nil {
			inst.VolumeIDs = append(inst.VolumeIDs, *b.Ebs.VolumeId)
		}
	}
	for _, n := range in.NetworkInterfaces {
		if n.NetworkInterfaceId != nil {
			inst.NetworkIDs = append(inst.NetworkIDs, *n.NetworkInterfaceId)
		}
	}
	return inst
}

func tagMap(tags []ec2types.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// ResourceTags returns the tags of any EC2 resource (volume, snapshot, image...).
func (c *Clients) ResourceTags(ctx context.Context, at resource.Place, id string) (map[string]string, error) {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	p := ec2.NewDescribeTagsPaginator(cl, &ec2.DescribeTagsInput{Filters: []ec2types.Filter{{Name: aws.String("resource-id"), Values: []string{id}}}})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describing tags of %s: %w", id, err)
		}
		for _, t := range out.Tags {
			tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return tags, nil
}

// StopProtected reports whether the instance has DisableApiStop set.
func (c *Clients) StopProtected(ctx context.Context, at resource.Place, id string) (bool, error) {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return false, err
	}
	out, err := cl.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: &id, Attribute: ec2types.InstanceAttributeNameDisableApiStop})
	if err != nil {
		return false, fmt.Errorf("reading the stop protection of %s: %w", id, err)
	}
	return out.DisableApiStop != nil && aws.ToBool(out.DisableApiStop.Value), nil
}

// StartInstance starts an instance.
func (c *Clients) StartInstance(ctx context.Context, at resource.Place, id string) error {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return err
	}
	if _, err := cl.StartInstances(ctx, &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		return fmt.Errorf("starting %s: %w", id, err)
	}
	return nil
}

// StopInstance stops an instance.
func (c *Clients) StopInstance(ctx context.Context, at resource.Place, id string) error {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return err
	}
	if _, err := cl.StopInstances(ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		return fmt.Errorf("stopping %s: %w", id, err)
	}
	return nil
}

// SetProtection sets DisableApiStop and/or DisableApiTermination (nil leaves one as it is).
func (c *Clients) SetProtection(ctx context.Context, at resource.Place, id string, stop, termination *bool) error {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return err
	}
	if stop != nil {
		if _, err := cl.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id, DisableApiStop: &ec2types.AttributeBooleanValue{Value: stop}}); err != nil {
			return fmt.Errorf("setting the stop protection of %s: %w", id, err)
		}
	}
	if termination != nil {
		if _, err := cl.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id, DisableApiTermination: &ec2types.AttributeBooleanValue{Value: termination}}); err != nil {
			return fmt.Errorf("setting the termination protection of %s: %w", id, err)
		}
	}
	return nil
}

// CreateTags tags resources; ErrDenied when IAM refuses it.
func (c *Clients) CreateTags(ctx context.Context, at resource.Place, ids []string, tags map[string]string) error {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return err
	}
	in := &ec2.CreateTagsInput{Resources: ids}
	for k, v := range tags {
		in.Tags = append(in.Tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	if _, err := cl.CreateTags(ctx, in); err != nil {
		if denied(err) {
			return fmt.Errorf("tagging %v: %w: %w", ids, ErrDenied, err)
		}
		return fmt.Errorf("tagging %v: %w", ids, err)
	}
	return nil
}

// Publish sends a message to an SNS topic (in the topic's own region); structured messages
// carry a default text and a JSON body for machines as message attributes.
func (c *Clients) Publish(ctx context.Context, topicARN, subject, message string, attrs map[string]string) (string, error) {
	region := ""
	if parts := strings.Split(topicARN, ":"); len(parts) >= 6 {
		region = parts[3]
	}
	cl, err := c.snsClient(ctx, region)
	if err != nil {
		return "", err
	}
	in := &sns.PublishInput{TopicArn: &topicARN, Message: &message}
	if subject != "" {
		in.Subject = &subject
	}
	if len(attrs) > 0 {
		in.MessageAttributes = map[string]snsAttr{}
		for k, v := range attrs {
			in.MessageAttributes[k] = snsAttr{DataType: aws.String("String"), StringValue: aws.String(v)}
		}
	}
	out, err := cl.Publish(ctx, in)
	if err != nil {
		return "", fmt.Errorf("publishing to %s: %w", topicARN, err)
	}
	return aws.ToString(out.MessageId), nil
}

// CallerARN returns the ARN of the identity ec2guard runs as (its own role, for
// self-exclusion), asked once.
func (c *Clients) CallerARN(ctx context.Context) (string, error) {
	c.mu.Lock()
	if c.selfArn != "" {
		defer c.mu.Unlock()
		return c.selfArn, nil
	}
	c.mu.Unlock()
	cfg, err := c.config(ctx)
	if err != nil {
		return "", err
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("asking STS who ec2guard is: %w", err)
	}
	c.mu.Lock()
	c.selfArn = aws.ToString(out.Arn)
	c.mu.Unlock()
	return c.selfArn, nil
}
