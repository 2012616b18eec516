// Package deploy writes the CloudFormation that wires ec2guard into an account (PRODUCT §7):
// the Lambda function (provided.al2023, the same binary), one EventBridge rule per rule
// pattern, a dead-letter queue, the DynamoDB ledger table, log retention, and an execution
// role with only the permissions the rule file's actions need, narrowed by the rules'
// filters where IAM can express them. For an AWS Organization, the central template accepts
// events from the member accounts and assumes their remediation role; the member template
// forwards the same events to the central bus and exposes that role.
//
// API:
//
//	Central(Options) (*Template, error)   // the account that runs the function
//	Member(Options) (*Template, error)    // each member account of an Organization
//	(*Template).YAML() / JSON()
package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"github.com/ec2guard/ec2guard/rules"
)

// Options describe what to deploy.
type Options struct {
	Rules *rules.Set
	// Vars are the rule file's variables (--var), given to the function as EC2GUARD_VAR_NAME.
	Vars map[string]string
	// Org makes the central template accept events from an Organization's accounts and act
	// in them through their remediation role.
	Org bool
	// ScanSchedule, an EventBridge schedule expression ("rate(1 hour)", "cron(0 6 * * ? *)"),
	// has the function also scan its region on that schedule (ec2guard scan): what events
	// missed (a protected instance stopped before the stack existed) is remediated too.
	ScanSchedule string
	// Timer, an EventBridge schedule expression, has the function scan its region by the
	// time-driven rules alone (rules.Rule.TimeDriven: grace, schedule, min-age, expiring
	// exceptions, stopped-for, older-than) on that schedule, when there are such rules and no ScanSchedule: no event
	// tells when their time comes. With Org (or ScanAccounts, ScanRegions) the timer's scan
	// is fanned out as ScanSchedule's would be. "": no timer.
	Timer string
	// ScanRegions and ScanAccounts, with ScanSchedule (or Timer), fan the scheduled scan out
	// over an SQS queue (one message per account and region, taken by the function at a bounded
	// concurrency): the regions to scan (none: the stack's), and the accounts (with Org; none:
	// the Organization's active accounts, listed at each run). An Organization's scheduled
	// scan is always fanned out.
	ScanRegions  []string
	ScanAccounts []string
	// SecurityHub has the fanned-out scan send the findings of the rule file's `- control:`
	// entries to Security Hub in each account and region it scans, and grants the calls.
	SecurityHub bool
}

// Template is a CloudFormation template. Its fields marshal in CloudFormation's usual order.
type Template struct {
	AWSTemplateFormatVersion string               `json:"AWSTemplateFormatVersion" yaml:"AWSTemplateFormatVersion"`
	Description              string               `json:"Description" yaml:"Description"`
	Metadata                 map[string]any       `json:"Metadata,omitempty" yaml:"Metadata,omitempty"`
	Parameters               map[string]Parameter `json:"Parameters,omitempty" yaml:"Parameters,omitempty"`
	Resources                map[string]Resource  `json:"Resources" yaml:"Resources"`
	Outputs                  map[string]Output    `json:"Outputs,omitempty" yaml:"Outputs,omitempty"`
}

// Parameter is a template parameter.
type Parameter struct {
	Type                  string `json:"Type" yaml:"Type"`
	Description           string `json:"Description,omitempty" yaml:"Description,omitempty"`
	Default               any    `json:"Default,omitempty" yaml:"Default,omitempty"`
	AllowedValues         []any  `json:"AllowedValues,omitempty" yaml:"AllowedValues,omitempty"`
	AllowedPattern        string `json:"AllowedPattern,omitempty" yaml:"AllowedPattern,omitempty"`
	ConstraintDescription string `json:"ConstraintDescription,omitempty" yaml:"ConstraintDescription,omitempty"`
	MinLength             *int   `json:"MinLength,omitempty" yaml:"MinLength,omitempty"`
	MinValue              *int   `json:"MinValue,omitempty" yaml:"MinValue,omitempty"`
	MaxValue              *int   `json:"MaxValue,omitempty" yaml:"MaxValue,omitempty"`
}

// Resource is a template resource.
type Resource struct {
	Type                string         `json:"Type" yaml:"Type"`
	DependsOn           []string       `json:"DependsOn,omitempty" yaml:"DependsOn,omitempty"`
	DeletionPolicy      string         `json:"DeletionPolicy,omitempty" yaml:"DeletionPolicy,omitempty"`
	UpdateReplacePolicy string         `json:"UpdateReplacePolicy,omitempty" yaml:"UpdateReplacePolicy,omitempty"`
	Properties          map[string]any `json:"Properties" yaml:"Properties"`
}

// Output is a template output.
type Output struct {
	Description string `json:"Description" yaml:"Description"`
	Value       any    `json:"Value" yaml:"Value"`
}

// YAML renders the template as YAML (intrinsic functions in their long form).
func (t *Template) YAML() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(t); err != nil {
		return nil, fmt.Errorf("rendering the template: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("rendering the template: %w", err)
	}
	return b.Bytes(), nil
}

// JSON renders the template as indented JSON.
func (t *Template) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("rendering the template: %w", err)
	}
	return append(b, '\n'), nil
}

// Intrinsic functions.
func ref(name string) map[string]any { return map[string]any{"Ref": name} }
func sub(s string) map[string]any    { return map[string]any{"Fn::Sub": s} }
func getAtt(res, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []string{res, attr}}
}
func policyDoc(stmts ...map[string]any) map[string]any {
	return map[string]any{"Version": "2012-10-17", "Statement": stmts}
}

// logicalID makes a CloudFormation logical ID (alphanumeric) from a prefix and a rule name,
// unique among used.
func logicalID(prefix, name string, used map[string]bool) string {
	var b strings.Builder
	b.WriteString(prefix)
	upper := true
	for _, r := range name {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	id := b.String()
	if len(id) > 200 {
		id = id[:200]
	}
	base := id
	for n := 2; used[id]; n++ {
		id = fmt.Sprintf("%s%d", base, n)
	}
	used[id] = true
	return id
}

// eventPattern returns a rule's pattern as a JSON value for the EventPattern property.
func eventPattern(r *rules.Rule) (any, error) {
	var v any
	if err := json.Unmarshal(r.Pattern, &v); err != nil {
		return nil, fmt.Errorf("rule %q: pattern: %w", r.Name, err)
	}
	return v, nil
}

func intp(n int) *int { return &n }

// eventRules adds one EventBridge rule per rule, its pattern verbatim, each with the target
// (retried for a day, then sent to the dead-letter queue dlq), and the queue's policy letting
// those rules, and only them, send their dead letters. It returns the rules' logical ids.
func eventRules(res map[string]Resource, prefix string, set *rules.Set, dlq string, target map[string]any) ([]string, error) {
	used := map[string]bool{}
	var ids []string
	var arns []any
	for _, r := range set.Rules {
		pat, err := eventPattern(r)
		if err != nil {
			return nil, err
		}
		id := logicalID(prefix, r.Name, used)
		tg := map[string]any{
			"DeadLetterConfig": map[string]any{"Arn": getAtt(dlq, "Arn")},
			"RetryPolicy":      map[string]any{"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400},
		}
		for k, v := range target {
			tg[k] = v
		}
		res[id] = Resource{
			Type: "AWS::Events::Rule",
			Properties: map[string]any{
				"Description":  ruleDescription(r.Name, r.Description),
				"EventPattern": pat,
				"State":        "ENABLED",
				"Targets":      []any{tg},
			},
		}
		ids = append(ids, id)
		arns = append(arns, getAtt(id, "Arn"))
	}
	res[dlq+"Policy"] = Resource{
		Type: "AWS::SQS::QueuePolicy",
		Properties: map[string]any{
			"Queues": []any{ref(dlq)},
			"PolicyDocument": policyDoc(map[string]any{
				"Sid": "EventBridgeDeadLetters", "Effect": "Allow", "Principal": map[string]any{"Service": "events.amazonaws.com"},
				"Action": "sqs:SendMessage", "Resource": getAtt(dlq, "Arn"),
				"Condition": map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": arns}},
			}),
		},
	}
	return ids, nil
}

// serviceRole is a role that an AWS service assumes for this account only (aws:SourceAccount,
// against the confused deputy), with one inline policy.
func serviceRole(description, service, policyName string, stmts ...map[string]any) Resource {
	return Resource{
		Type: "AWS::IAM::Role",
		Properties: map[string]any{
			"Description": description,
			"AssumeRolePolicyDocument": policyDoc(map[string]any{
				"Effect": "Allow", "Principal": map[string]any{"Service": service}, "Action": "sts:AssumeRole",
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": ref("AWS::AccountId")}},
			}),
			"Policies": []any{map[string]any{"PolicyName": policyName, "PolicyDocument": policyDoc(stmts...)}},
		},
	}
}

// deadLetterQueue keeps what could not be delivered for 14 days, and outlives the stack.
func deadLetterQueue() Resource {
	return Resource{
		Type: "AWS::SQS::Queue", DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain",
		Properties: map[string]any{"MessageRetentionPeriod": 1209600, "SqsManagedSseEnabled": true},
	}
}

// readStatement grants the reads the rules make (readActions).
func readStatement(set *rules.Set) map[string]any {
	return map[string]any{"Sid": "ReadResources", "Effect": "Allow", "Action": readActions(set), "Resource": "*"}
}
