package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/ledger"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// The single-account template deploys on moto's CloudFormation through the SDK: every
// resource is created, the EventBridge rules carry the rules' patterns, and the ledger table
// has the key and TTL the function's DynamoDB ledger uses.
func TestDeployOnMoto(t *testing.T) {
	ctx := context.Background()
	set, _ := seeds(t)
	tmpl := templates(t)["single.yaml"]
	cfg, outputs, summaries := deployOnMoto(t, "ec2guard", tmpl, nil)
	physical := map[string]string{}
	created := map[string]int{} // by type: moto leaves some logical ids blank
	for _, r := range summaries {
		physical[aws.ToString(r.LogicalResourceId)] = aws.ToString(r.PhysicalResourceId)
		created[aws.ToString(r.ResourceType)]++
	}
	want := map[string]int{}
	for _, r := range tmpl.Resources {
		// moto's CloudFormation lists these two without logical id or type (and applies
		// neither): cfn-lint and the template tests cover them.
		if r.Type != "AWS::Lambda::EventInvokeConfig" && r.Type != "AWS::SQS::QueuePolicy" {
			want[r.Type]++
		}
	}
	for typ, n := range want {
		if created[typ] != n {
			t.Errorf("%d %s created, the template has %d", created[typ], typ, n)
		}
	}

	// Every rule's pattern is installed verbatim (as JSON, compared semantically).
	eb := eventbridge.NewFromConfig(cfg)
	for _, r := range set.Rules {
		id := logicalID("Rule", r.Name, map[string]bool{})
		got, err := eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(physical[id])})
		if err != nil {
			t.Fatalf("rule %s (%s): %v", r.Name, physical[id], err)
		}
		var a, b any
		_ = json.Unmarshal([]byte(aws.ToString(got.EventPattern)), &a)
		_ = json.Unmarshal(r.Pattern, &b)
		aj, _ := json.Marshal(a)
		bj, _ := json.Marshal(b)
		if string(aj) != string(bj) {
			t.Errorf("rule %s: installed pattern %s, want %s", r.Name, aj, bj)
		}
		targets, err := eb.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(physical[id])})
		if err != nil || len(targets.Targets) != 1 || aws.ToString(targets.Targets[0].Arn) != outputs["FunctionArn"] {
			t.Errorf("rule %s targets %+v (%v), want the function %s", r.Name, targets, err, outputs["FunctionArn"])
		}
	}

	// The ledger table: String key pk. (Its TTL on expires_at is checked in the template:
	// moto's CloudFormation ignores TimeToLiveSpecification.)
	ddb := dynamodb.NewFromConfig(cfg)
	table, err := ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(outputs["LedgerTable"])})
	if err != nil {
		t.Fatal(err)
	}
	if ks := table.Table.KeySchema; len(ks) != 1 || aws.ToString(ks[0].AttributeName) != LedgerKey {
		t.Errorf("key schema %+v", ks)
	}

	// ... and it is the state table ec2guard's DynamoDB ledger works with: two processes, one
	// event, one claim.
	now := time.Now()
	one := ledger.NewDynamo(awsapi.New().Table(outputs["LedgerTable"]))
	other := ledger.NewDynamo(awsapi.New().Table(outputs["LedgerTable"]))
	if _, err := one.Check(ctx); err != nil {
		t.Fatalf("the deployed table fails the ledger's start check: %v", err)
	}
	key := "event-1|restart-protected|0:start|instance:i-0abc"
	if st, err := one.Claim(ctx, key, "invocation-1", now, time.Minute); err != nil || st != engine.Claimed {
		t.Fatalf("claim: %v %v", st, err)
	}
	if st, err := other.Claim(ctx, key, "invocation-2", now, time.Minute); err != nil || st != engine.HeldElsewhere {
		t.Fatalf("second claim: %v %v", st, err)
	}
}

// deployOnMoto creates a stack of the template on moto's CloudFormation, with the seeds'
// function package in the bucket the CodeBucket parameter names, and waits for it: every
// resource must be created. It returns the configuration, the stack's outputs and resources.
func deployOnMoto(t *testing.T, name string, tmpl *Template, params map[string]string) (aws.Config, map[string]string, []cfntypes.StackResourceSummary) {
	t.Helper()
	ctx := context.Background()
	if err := mototest.Current(t).Reset(ctx); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, src := seeds(t)
	var pkg bytes.Buffer
	if err := Package(&pkg, []byte("\x7fELF placeholder bootstrap"), src); err != nil {
		t.Fatal(err)
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("code")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("code"), Key: aws.String("ec2guard.zip"), Body: bytes.NewReader(pkg.Bytes())}); err != nil {
		t.Fatal(err)
	}
	body, err := tmpl.YAML()
	if err != nil {
		t.Fatal(err)
	}
	parameters := []cfntypes.Parameter{{ParameterKey: aws.String("CodeBucket"), ParameterValue: aws.String("code")}}
	for k, v := range params {
		parameters = append(parameters, cfntypes.Parameter{ParameterKey: aws.String(k), ParameterValue: aws.String(v)})
	}
	cf := cloudformation.NewFromConfig(cfg)
	if _, err := cf.CreateStack(ctx, &cloudformation.CreateStackInput{
		StackName: aws.String(name), TemplateBody: aws.String(string(body)), Parameters: parameters,
		Capabilities: []cfntypes.Capability{cfntypes.CapabilityCapabilityIam},
	}); err != nil {
		t.Fatal(err)
	}
	var stack cfntypes.Stack
	for deadline := time.Now().Add(60 * time.Second); ; {
		out, err := cf.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		stack = out.Stacks[0]
		if stack.StackStatus != cfntypes.StackStatusCreateInProgress || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if stack.StackStatus != cfntypes.StackStatusCreateComplete {
		t.Fatalf("stack %s: %s", stack.StackStatus, aws.ToString(stack.StackStatusReason))
	}
	outputs := map[string]string{}
	for _, o := range stack.Outputs {
		outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	res, err := cf.ListStackResources(ctx, &cloudformation.ListStackResourcesInput{StackName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.StackResourceSummaries {
		if r.ResourceStatus != cfntypes.ResourceStatusCreateComplete {
			t.Errorf("%s: %s", aws.ToString(r.LogicalResourceId), r.ResourceStatus)
		}
	}
	return cfg, outputs, res.StackResourceSummaries
}

// The timer's schedule deploys on moto: its target is the function, with the input
// transformer that writes the timer's event.
func TestTimerDeployOnMoto(t *testing.T) {
	ctx := context.Background()
	set := loadRules(t, stoppedAMonth)
	tmpl, err := Central(Options{Rules: set, Timer: "rate(15 minutes)"})
	if err != nil {
		t.Fatal(err)
	}
	cfg, outputs, summaries := deployOnMoto(t, "ec2guard-timer", tmpl, nil)
	var rule string
	for _, r := range summaries {
		if aws.ToString(r.LogicalResourceId) == "TimerSchedule" {
			rule = aws.ToString(r.PhysicalResourceId)
		}
	}
	eb := eventbridge.NewFromConfig(cfg)
	got, err := eb.DescribeRule(ctx, &eventbridge.DescribeRuleInput{Name: aws.String(rule)})
	if err != nil || aws.ToString(got.ScheduleExpression) != "rate(15 minutes)" {
		t.Fatalf("timer rule %q: %+v %v", rule, got, err)
	}
	targets, err := eb.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: aws.String(rule)})
	if err != nil || len(targets.Targets) != 1 {
		t.Fatalf("timer targets %+v %v", targets, err)
	}
	tg := targets.Targets[0]
	if aws.ToString(tg.Arn) != outputs["FunctionArn"] || tg.InputTransformer == nil || aws.ToString(tg.InputTransformer.InputTemplate) != timerInput["InputTemplate"] {
		t.Fatalf("timer target %+v, want the function with the timer's input", tg)
	}
}
