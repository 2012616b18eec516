package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/iam/eval"
	"github.com/ec2guard/ec2guard/iam/policy"
	"github.com/ec2guard/ec2guard/rules"
)

// fannedOut are the Organization's templates with a fanned-out scheduled scan over three
// regions, and the single account's over the same regions.
func fannedOut(t *testing.T) map[string]*Template {
	t.Helper()
	set, src := seeds(t)
	o := Options{Rules: set, Vars: UsedVars(src, map[string]string{"topic": topic}), ScanSchedule: "rate(6 hours)",
		ScanRegions: []string{"us-east-1", "eu-west-1", "ap-southeast-2"}}
	ts := templatesOf(t, o)
	return map[string]*Template{"fanout-single.yaml": ts["single.yaml"], "fanout-central.yaml": ts["central.yaml"], "fanout-member.json": ts["member.json"]}
}

// statement is the role's statement with this Sid.
func statement(t *testing.T, tmpl *Template, sid string) map[string]any {
	t.Helper()
	doc := tmpl.Resources["FunctionRole"].Properties["Policies"].([]any)[0].(map[string]any)["PolicyDocument"].(map[string]any)
	for _, st := range doc["Statement"].([]map[string]any) {
		if st["Sid"] == sid {
			return st
		}
	}
	return nil
}

// The fanned-out scheduled scan: a queue of parts with a dead-letter queue after 5 tries,
// the function subscribed to it at a bounded concurrency reporting batch item failures, the
// environment the function reads, and the role's grants for it: the queue's calls on that
// queue alone, and ListAccounts only where the accounts are the Organization's.
func TestScanFanOutTemplate(t *testing.T) {
	ts := fannedOut(t)
	central := ts["fanout-central.yaml"]
	q := central.Resources["ScanQueue"]
	redrive, _ := q.Properties["RedrivePolicy"].(map[string]any)
	if q.Type != "AWS::SQS::Queue" || redrive["maxReceiveCount"] != 5 || q.Properties["VisibilityTimeout"] != 6*functionTimeout {
		t.Errorf("queue %+v", q)
	}
	m := central.Resources["ScanQueueMapping"]
	if m.Type != "AWS::Lambda::EventSourceMapping" || m.Properties["BatchSize"] != 1 ||
		!slices.Equal(m.Properties["FunctionResponseTypes"].([]any), []any{"ReportBatchItemFailures"}) ||
		m.Properties["ScalingConfig"].(map[string]any)["MaximumConcurrency"].(map[string]any)["Ref"] != "ScanConcurrency" {
		t.Errorf("mapping %+v", m)
	}
	env := central.Resources["Function"].Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	if env["EC2GUARD_SCAN_ACCOUNTS"] != "organization" || env["EC2GUARD_SCAN_QUEUE"].(map[string]any)["Ref"] != "ScanQueue" ||
		env["EC2GUARD_SCAN_REGIONS"].(map[string]any)["Ref"] != "ScanRegions" || central.Parameters["ScanRegions"].Default != "us-east-1,eu-west-1,ap-southeast-2" {
		t.Errorf("environment %v, regions %+v", env, central.Parameters["ScanRegions"])
	}
	if st := statement(t, central, "ScanParts"); st == nil || !slices.Equal(st["Action"].([]string), ScanQueueActions) || st["Resource"].(map[string]any)["Fn::GetAtt"].([]string)[0] != "ScanQueue" {
		t.Errorf("queue grant %v", st)
	}
	if st := statement(t, central, "OrganizationAccounts"); st == nil || st["Action"] != "organizations:ListAccounts" {
		t.Errorf("ListAccounts grant %v", st)
	}
	single := ts["fanout-single.yaml"]
	if _, ok := single.Resources["ScanQueueMapping"]; !ok || statement(t, single, "OrganizationAccounts") != nil {
		t.Error("one account over three regions: fanned out, without ListAccounts")
	}
	if _, ok := ts["fanout-member.json"].Resources["ScanQueue"]; ok {
		t.Error("a member stack with a queue of parts")
	}

	set, _ := seeds(t)
	listed, err := Central(Options{Rules: set, Org: true, ScanSchedule: "rate(1 day)", ScanAccounts: []string{"111111111111", "222222222222"}})
	if err != nil {
		t.Fatal(err)
	}
	if env := listed.Resources["Function"].Properties["Environment"].(map[string]any)["Variables"].(map[string]any); env["EC2GUARD_SCAN_ACCOUNTS"] != "111111111111,222222222222" ||
		env["EC2GUARD_SCAN_REGIONS"].(map[string]any)["Ref"] != "AWS::Region" || statement(t, listed, "OrganizationAccounts") != nil {
		t.Errorf("listed accounts: %v", env)
	}
	for _, bad := range []Options{
		{Rules: set, ScanSchedule: "rate(1 day)", ScanAccounts: []string{"111111111111"}}, // not an Organization
		{Rules: set, Org: true, ScanSchedule: "rate(1 day)", ScanAccounts: []string{"1111"}},
		{Rules: set, ScanSchedule: "rate(1 day)", ScanRegions: []string{"Europe"}},
	} {
		if _, err := Central(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if plain, err := Central(Options{Rules: set, ScanSchedule: "rate(1 day)"}); err != nil || plain.Resources["ScanQueue"].Type != "" {
		t.Errorf("a single-region schedule fanned out (%v)", err)
	}
}

// The fanned-out templates pass cfn-lint, and iam check of their roles finds nothing.
func TestScanFanOutLintAndIAMCheck(t *testing.T) {
	dir := write(t, fannedOut(t))
	cfnLint(t, dir)
	_, res := iamCheck(t, dir)
	for _, f := range res.Findings {
		t.Errorf("%s %s %s: %s (%v)", f.ID, f.Principal, f.Statement, f.Message, f.Loc)
	}
}

// The Organization's central stack with a fanned-out scan deploys on moto's CloudFormation:
// the queue of parts redrives to its dead-letter queue after 5 receives.
func TestScanFanOutDeployOnMoto(t *testing.T) {
	ctx := context.Background()
	cfg, outputs, summaries := deployOnMoto(t, "ec2guard-central", fannedOut(t)["fanout-central.yaml"], map[string]string{"OrganizationId": "o-abcdefghij"})
	types := map[string]bool{}
	for _, r := range summaries {
		types[aws.ToString(r.ResourceType)] = true
	}
	if !types["AWS::Lambda::EventSourceMapping"] {
		t.Errorf("no event source mapping among %v", types)
	}
	q := sqs.NewFromConfig(cfg)
	attrs, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(outputs["ScanQueueUrl"]), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
	if err != nil {
		t.Fatalf("the queue of parts (%v): %v", outputs, err)
	}
	dlq, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(outputs["ScanDeadLetterQueueUrl"]), AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	var redrive struct {
		Target string `json:"deadLetterTargetArn"`
		Max    any    `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(attrs.Attributes["RedrivePolicy"]), &redrive); err != nil || redrive.Target != dlq.Attributes["QueueArn"] || fmt.Sprint(redrive.Max) != "5" {
		t.Errorf("redrive policy %q (%v), want to %s after 5", attrs.Attributes["RedrivePolicy"], err, dlq.Attributes["QueueArn"])
	}
	if attrs.Attributes["VisibilityTimeout"] != "1080" {
		t.Errorf("visibility timeout %s", attrs.Attributes["VisibilityTimeout"])
	}
}

// --to-securityhub: the fanned-out scan's function role and the members' remediation role may
// import findings to their account's default product and read and update findings on its hub,
// in any region, and nothing else of Security Hub; cfn-lint and iam check are clean; refused
// without a fanned-out scan or a `- control:` entry.
func TestScanFanOutSecurityHubGrants(t *testing.T) {
	src := "rules:\n  - control: EC2.8\n  - control: EC2.13\n"
	set, err := rules.Load("controls.yaml", []byte(src), rules.Options{Controls: controls.RuleSource, CheckAction: actions.Check})
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Rules: set, Org: true, ScanSchedule: "rate(1 day)", SecurityHub: true}
	ts := templatesOf(t, o)
	central, member := ts["central.yaml"], ts["member.json"]
	if env := central.Resources["Function"].Properties["Environment"].(map[string]any)["Variables"].(map[string]any); env["EC2GUARD_TO_SECURITYHUB"] != "true" {
		t.Errorf("environment %v", env)
	}
	dir := write(t, map[string]*Template{"central.yaml": central, "member.json": member})
	const product = "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default"
	const hubARN = "arn:aws:securityhub:eu-west-1:123456789012:hub/default"
	for _, ev := range []*eval.Evaluator{policyOf(t, dir, "central.yaml", "FunctionRole"), policyOf(t, dir, "member.json", "ec2guard-remediation")} {
		for _, c := range []struct {
			action, resource string
			want             eval.Effect
		}{
			{"securityhub:BatchImportFindings", product, eval.Allowed},
			{"securityhub:GetFindings", hubARN, eval.Allowed},
			{"securityhub:BatchUpdateFindings", hubARN, eval.Allowed},
			{"securityhub:BatchImportFindings", "arn:aws:securityhub:eu-west-1:123456789012:product/aws/guardduty", eval.ImplicitDeny},
			{"securityhub:DisableSecurityHub", hubARN, eval.ImplicitDeny},
			{"securityhub:DeleteInsight", hubARN, eval.ImplicitDeny},
		} {
			// (the analyzer resolves AWS::AccountId to 123456789012)
			if got := ev.Decide(eval.Request{Action: c.action, Resource: c.resource, Context: resolving}); got != c.want {
				t.Errorf("%s on %s = %s, want %s", c.action, c.resource, got, c.want)
			}
		}
	}
	cfnLint(t, dir)
	_, res := iamCheck(t, dir)
	for _, f := range res.Findings {
		t.Errorf("%s %s %s: %s (%v)", f.ID, f.Principal, f.Statement, f.Message, f.Loc)
	}
	seedSet, _ := seeds(t)
	for _, bad := range []Options{
		{Rules: set, Org: true, SecurityHub: true},                                  // no scan
		{Rules: set, ScanSchedule: "rate(1 day)", SecurityHub: true},                // not fanned out
		{Rules: seedSet, Org: true, ScanSchedule: "rate(1 day)", SecurityHub: true}, // no control
	} {
		if _, err := Central(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// deploy policy --to-securityhub: what scan --controls --to-securityhub calls, in the
// account and any region, and nothing else of Security Hub.
func TestPolicySecurityHub(t *testing.T) {
	set, _ := seeds(t)
	b, err := Policy(PolicyOptions{Options: Options{Rules: set, SecurityHub: true}, Account: "111122223333", Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := policy.Parse("policy.json", b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	ev, err := eval.Compile(eval.PolicySet{Identity: []*policy.Document{doc}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		action, resource string
		want             eval.Effect
	}{
		{"securityhub:BatchImportFindings", "arn:aws:securityhub:ap-south-1:111122223333:product/111122223333/default", eval.Allowed},
		{"securityhub:GetFindings", "arn:aws:securityhub:eu-west-1:111122223333:hub/default", eval.Allowed},
		{"securityhub:BatchUpdateFindings", "arn:aws:securityhub:eu-west-1:111122223333:hub/default", eval.Allowed},
		{"securityhub:BatchImportFindings", "arn:aws:securityhub:eu-west-1:999999999999:product/999999999999/default", eval.ImplicitDeny},
		{"securityhub:DisableSecurityHub", "arn:aws:securityhub:eu-west-1:111122223333:hub/default", eval.ImplicitDeny},
	} {
		if got := ev.Decide(eval.Request{Action: c.action, Resource: c.resource, Context: resolving}); got != c.want {
			t.Errorf("%s on %s = %s, want %s", c.action, c.resource, got, c.want)
		}
	}
}

// resolving is the context of what hub sends to BatchUpdateFindings: Workflow.Status
// RESOLVED (the only update the roles may make, TestSecurityHubOnlyResolves).
var resolving = eval.Context{"securityhub:ASFFSyntaxPath/Workflow.Status": {"RESOLVED"}}
