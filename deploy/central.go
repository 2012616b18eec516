package deploy

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/rules"
)

// Names the function and its stack agree on.
const (
	// LedgerKey and LedgerTTL are the state table's partition key and TTL attribute, as the
	// DynamoDB ledger reads and writes them.
	LedgerKey = awsapi.TableKey
	LedgerTTL = awsapi.TableTTL
	// DefaultRemediationRole is the role name a member account exposes to the central function.
	DefaultRemediationRole = "ec2guard-remediation"
	// ForwarderRole is the fixed name of the role a member stack creates for its EventBridge
	// rules to put their events on the central bus: the central bus admits it alone.
	ForwarderRole = "ec2guard-forwarder"
)

// functionTimeout is the function's timeout in seconds: start waits up to 2 minutes for a
// stopping instance.
const functionTimeout = 180

// retentionDays are the values CloudWatch Logs accepts.
var retentionDays = []any{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// Central is the template of the account that runs ec2guard's function.
func Central(o Options) (*Template, error) {
	if o.Rules == nil || len(o.Rules.Rules) == 0 {
		return nil, errors.New("deploy: no rules")
	}
	desc := "ec2guard: EC2 guardrails as EventBridge rules and one Lambda function (" + fmt.Sprint(len(o.Rules.Rules)) + " rules)"
	if o.Org {
		desc = "ec2guard, central account of an AWS Organization: EC2 guardrails for every member account (" + fmt.Sprint(len(o.Rules.Rules)) + " rules)"
	}
	t := &Template{
		AWSTemplateFormatVersion: "2010-09-09",
		Description:              desc,
		Parameters: map[string]Parameter{
			"CodeBucket": {Type: "String", MinLength: intp(3), Description: "S3 bucket holding the function package (ec2guard deploy package writes it)"},
			"CodeKey":    {Type: "String", Default: "ec2guard.zip", Description: "S3 key of the function package"},
			"FunctionName": {Type: "String", Default: "ec2guard", AllowedPattern: "^[A-Za-z0-9_-]{1,64}$",
				ConstraintDescription: "1 to 64 letters, digits, - or _", Description: "name of the Lambda function (and of its log group)"},
			"Architecture":     {Type: "String", Default: "x86_64", AllowedValues: []any{"x86_64", "arm64"}, Description: "the architecture the package's bootstrap was built for"},
			"LogRetentionDays": {Type: "Number", Default: 90, AllowedValues: retentionDays, Description: "how long the decision records (the function's log) are kept"},
			"DryRun":           {Type: "String", Default: "false", AllowedValues: []any{"true", "false"}, Description: "true: decide and log, never call a mutating API, whatever the rules' modes"},
		},
		Resources: map[string]Resource{},
		Outputs: map[string]Output{
			"FunctionArn":        {Description: "the ec2guard function", Value: getAtt("Function", "Arn")},
			"FunctionRoleArn":    {Description: "the function's execution role (a member account's remediation role trusts it)", Value: getAtt("FunctionRole", "Arn")},
			"LedgerTable":        {Description: "the idempotency ledger and loop-budget table", Value: ref("LedgerTable")},
			"DeadLetterQueueUrl": {Description: "events that could not be handled after every retry", Value: ref("DeadLetterQueue")},
		},
	}
	res := t.Resources
	res["LedgerTable"] = Resource{
		Type: "AWS::DynamoDB::Table", DeletionPolicy: "Delete", UpdateReplacePolicy: "Delete",
		Properties: map[string]any{
			"BillingMode":                      "PAY_PER_REQUEST",
			"AttributeDefinitions":             []any{map[string]any{"AttributeName": LedgerKey, "AttributeType": "S"}},
			"KeySchema":                        []any{map[string]any{"AttributeName": LedgerKey, "KeyType": "HASH"}},
			"TimeToLiveSpecification":          map[string]any{"AttributeName": LedgerTTL, "Enabled": true},
			"SSESpecification":                 map[string]any{"SSEEnabled": true},
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": false},
		},
	}
	res["DeadLetterQueue"] = deadLetterQueue()
	res["LogGroup"] = Resource{
		Type: "AWS::Logs::LogGroup", DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain",
		Properties: map[string]any{"LogGroupName": sub("/aws/lambda/${FunctionName}"), "RetentionInDays": ref("LogRetentionDays")},
	}

	env := map[string]any{
		"EC2GUARD_RULES":   "/var/task/rules.yaml",
		"EC2GUARD_TABLE":   ref("LedgerTable"),
		"EC2GUARD_DRY_RUN": ref("DryRun"),
	}
	for k, v := range o.Vars {
		env["EC2GUARD_VAR_"+k] = v
	}

	stmts := []map[string]any{
		readStatement(o.Rules),
	}
	stmts = append(stmts, actionStatements(o.Rules, false)...)
	stmts = append(stmts,
		map[string]any{"Sid": "Ledger", "Effect": "Allow", "Resource": getAtt("LedgerTable", "Arn"), "Action": []string{
			"dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}},
		map[string]any{"Sid": "Logs", "Effect": "Allow", "Resource": getAtt("LogGroup", "Arn"), "Action": []string{"logs:CreateLogStream", "logs:PutLogEvents"}},
		map[string]any{"Sid": "DeadLetters", "Effect": "Allow", "Resource": getAtt("DeadLetterQueue", "Arn"), "Action": "sqs:SendMessage"},
	)
	if o.Org {
		t.Parameters["OrganizationId"] = Parameter{Type: "String", AllowedPattern: "^o-[a-z0-9]{10,32}$",
			ConstraintDescription: "an Organization id, o-...", Description: "the Organization whose member accounts forward events and expose the remediation role"}
		t.Parameters["RemediationRoleName"] = Parameter{Type: "String", Default: DefaultRemediationRole, Description: "the role each member account exposes to the function (the member template's RemediationRoleName)"}
		env["EC2GUARD_ASSUME_ROLE"] = ref("RemediationRoleName")
		stmts = append(stmts, map[string]any{
			"Sid": "ActInMemberAccounts", "Effect": "Allow", "Action": "sts:AssumeRole",
			"Resource":  sub("arn:${AWS::Partition}:iam::*:role/${RemediationRoleName}"),
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:ResourceOrgID": ref("OrganizationId")}},
		})
		res["OrganizationEvents"] = Resource{
			Type: "AWS::Events::EventBusPolicy",
			Properties: map[string]any{
				"StatementId": "ec2guard-organization",
				// Only the members' forwarding role, inside the Organization, and only events of
				// AWS's sources (which PutEvents refuses from anyone): a principal of a member
				// account cannot put an event of its own making on the bus the function reads.
				"Statement": map[string]any{
					"Effect": "Allow", "Principal": "*", "Action": "events:PutEvents",
					"Resource": sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"),
					"Condition": map[string]any{
						"StringEquals": map[string]any{"aws:PrincipalOrgID": ref("OrganizationId")},
						"ArnLike":      map[string]any{"aws:PrincipalArn": sub("arn:${AWS::Partition}:iam::*:role/" + ForwarderRole)},
						"StringLike":   map[string]any{"events:source": event.SourcePrefixAWS + "*"},
					},
				},
			},
		}
		t.Outputs["CentralEventBusArn"] = Output{Description: "the bus member accounts forward events to", Value: sub("arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default")}
	}
	if err := checkSecurityHub(o, true); err != nil {
		return nil, err
	}
	if len(o.ScanAccounts) > 0 && !o.Org {
		return nil, errors.New("deploy: scan accounts are an Organization's: they go with Org (--org)")
	}
	if o.fansOut() {
		more, err := scanFanOut(t, o, env)
		if err != nil {
			return nil, err
		}
		stmts = append(stmts, more...)
	}
	res["FunctionRole"] = serviceRole("ec2guard's function: reads EC2 resources and runs the rule file's actions, nothing else",
		"lambda.amazonaws.com", "ec2guard", stmts...)
	res["Function"] = Resource{
		Type: "AWS::Lambda::Function",
		Properties: map[string]any{
			"FunctionName":     ref("FunctionName"),
			"Description":      "ec2guard: EC2 guardrails (decision records in its log)",
			"Runtime":          "provided.al2023",
			"Handler":          "bootstrap",
			"Architectures":    []any{ref("Architecture")},
			"Code":             map[string]any{"S3Bucket": ref("CodeBucket"), "S3Key": ref("CodeKey")},
			"Role":             getAtt("FunctionRole", "Arn"),
			"MemorySize":       128,
			"Timeout":          functionTimeout,
			"Environment":      map[string]any{"Variables": env},
			"DeadLetterConfig": map[string]any{"TargetArn": getAtt("DeadLetterQueue", "Arn")},
			"LoggingConfig":    map[string]any{"LogGroup": ref("LogGroup"), "LogFormat": "Text"},
		},
	}
	res["FunctionRetries"] = Resource{
		Type: "AWS::Lambda::EventInvokeConfig",
		Properties: map[string]any{
			"FunctionName": ref("Function"), "Qualifier": "$LATEST",
			"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600,
		},
	}

	ids, err := eventRules(res, "Rule", o.Rules, "DeadLetterQueue", map[string]any{"Id": "ec2guard", "Arn": getAtt("Function", "Arn")})
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		res[id+"Invoke"] = Resource{
			Type: "AWS::Lambda::Permission",
			Properties: map[string]any{
				"Action": "lambda:InvokeFunction", "FunctionName": ref("Function"),
				"Principal": "events.amazonaws.com", "SourceArn": getAtt(id, "Arn"),
			},
		}
	}
	if o.ScanSchedule != "" {
		if err := scheduleRule(res, "ScanSchedule", o.ScanSchedule, scheduleDescription(o), map[string]any{"Id": "ec2guard-scan", "Arn": getAtt("Function", "Arn")}); err != nil {
			return nil, fmt.Errorf("deploy: scan schedule %w", err)
		}
	}
	if timed := o.timerRules(); len(timed) > 0 {
		desc := "ec2guard: scan the region by the time-driven rules ("
		if o.fansOut() {
			desc = "ec2guard: scan every account and region by the time-driven rules, one SQS message each ("
		}
		target := map[string]any{"Id": "ec2guard-timer", "Arn": getAtt("Function", "Arn"), "InputTransformer": timerInput}
		if err := scheduleRule(res, "TimerSchedule", o.Timer, desc+o.Timer+"): "+strings.Join(timed, ", "), target); err != nil {
			return nil, fmt.Errorf("deploy: timer %w", err)
		}
	}
	return t, nil
}

// scheduleRule adds an EventBridge rule on the schedule expr that invokes the function
// with target, and the permission for it to.
func scheduleRule(res map[string]Resource, id, expr, desc string, target map[string]any) error {
	if !strings.HasPrefix(expr, "rate(") && !strings.HasPrefix(expr, "cron(") || !strings.HasSuffix(expr, ")") {
		return fmt.Errorf("%q: want an EventBridge schedule expression, rate(...) or cron(...)", expr)
	}
	res[id] = Resource{
		Type: "AWS::Events::Rule",
		Properties: map[string]any{
			"Description":        fitDescription(desc),
			"ScheduleExpression": expr,
			"State":              "ENABLED",
			"Targets":            []any{target},
		},
	}
	res[id+"Invoke"] = Resource{
		Type: "AWS::Lambda::Permission",
		Properties: map[string]any{
			"Action": "lambda:InvokeFunction", "FunctionName": ref("Function"),
			"Principal": "events.amazonaws.com", "SourceArn": getAtt(id, "Arn"),
		},
	}
	return nil
}

// timerInput has the timer's EventBridge rule pass the function its Scheduled Event with the
// timer's detail (event.TimerDetail) in place of the empty one: the same id, time, account
// and region, so that a retried tick is the same run.
var timerInput = map[string]any{
	"InputPathsMap": map[string]any{"id": "$.id", "time": "$.time", "account": "$.account", "region": "$.region", "resources": "$.resources"},
	"InputTemplate": `{"version": "0", "id": <id>, "detail-type": "Scheduled Event", "source": "aws.events", "account": <account>, ` +
		`"time": <time>, "region": <region>, "resources": <resources>, "detail": ` + event.TimerDetail + `}`,
}

// timerRules names the rules a timer takes the actions of (engine.Timer), when there is a
// timer and no scan schedule (whose scan applies them).
func (o Options) timerRules() []string {
	if o.Timer == "" || o.ScanSchedule != "" {
		return nil
	}
	return TimeDriven(o.Rules)
}

// TimeDriven words the rules that act only when a scan runs (rules.Rule.TimeDriven), each as
// `rule "a" (grace)`: those a scan, and so a timer, applies (engine.Timer), not those with an
// action on what a CloudTrail call did (actions.NeedsCall), which act on their events alone.
func TimeDriven(set *rules.Set) []string {
	var out []string
	for _, r := range set.Rules {
		if why := r.TimeDriven(); why != "" && !slices.ContainsFunc(r.Actions, func(a rules.ActionSpec) bool { return actions.NeedsCall(a.Name) }) {
			out = append(out, fmt.Sprintf("rule %q (%s)", r.Name, why))
		}
	}
	return out
}

// ruleDescription fits an EventBridge rule description (512 characters at most).
func ruleDescription(name, desc string) string {
	s := "ec2guard rule " + name
	if desc != "" {
		s += ": " + strings.TrimSpace(desc)
	}
	return fitDescription(s)
}

// fitDescription cuts an EventBridge rule description to its 512 characters at most.
func fitDescription(s string) string {
	if len(s) > 512 {
		s = strings.ToValidUTF8(s[:509], "") + "..."
	}
	return s
}

func scheduleDescription(o Options) string {
	if o.fansOut() {
		return "ec2guard: scan every account and region, one SQS message each (" + o.ScanSchedule + ")"
	}
	return "ec2guard: scan the region's instances (" + o.ScanSchedule + ")"
}
