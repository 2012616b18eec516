package deploy

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/ec2guard/ec2guard/rules"
)

// The fanned-out scheduled scan (source.FanOut): with a scan schedule (or a timer) and an
// Organization, or accounts or regions to scan (Options.ScanAccounts, ScanRegions), the
// schedule's invocation puts one message per (account, region) on ScanQueue, and the
// function, subscribed to it with at most ScanConcurrency invocations at once, scans one part
// per message.

// ScanQueueActions are what the function does with the queue of a fanned-out scan: it puts
// the parts and the remainders of those short of time on it (SendMessageBatch is allowed by
// sqs:SendMessage), and the event source mapping, with the function's role, receives and
// deletes them and reads the queue's attributes.
var ScanQueueActions = []string{"sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage", "sqs:SendMessage"}

var (
	accountID  = regexp.MustCompile(`^[0-9]{12}$`)
	regionName = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
)

// fansOut reports whether the scheduled scan, or the timer's, is fanned out over a queue.
func (o Options) fansOut() bool {
	return (o.ScanSchedule != "" || len(o.timerRules()) > 0) && (o.Org || len(o.ScanAccounts) > 0 || len(o.ScanRegions) > 0)
}

// scanFanOut adds the queue of the parts, its dead-letter queue and the event source mapping,
// the function's environment for them, and returns the statements the role needs.
func scanFanOut(t *Template, o Options, env map[string]any) ([]map[string]any, error) {
	for _, a := range o.ScanAccounts {
		if !accountID.MatchString(a) {
			return nil, fmt.Errorf("deploy: scan account %q: want a 12-digit account id", a)
		}
	}
	for _, r := range o.ScanRegions {
		if !regionName.MatchString(r) {
			return nil, fmt.Errorf("deploy: scan region %q: want a region name such as eu-west-1", r)
		}
	}
	res := t.Resources
	t.Parameters["ScanConcurrency"] = Parameter{Type: "Number", Default: 10, MinValue: intp(2), MaxValue: intp(1000),
		Description: "at most this many parts of a scheduled scan are scanned at once (the event source mapping's MaximumConcurrency)"}
	t.Parameters["ScanMaxActions"] = Parameter{Type: "Number", Default: 100, MinValue: intp(1),
		Description: "blast radius: mutating actions of one run of the schedule, across all its parts"}
	env["EC2GUARD_SCAN_REGIONS"] = ref("AWS::Region")
	if len(o.ScanRegions) > 0 {
		t.Parameters["ScanRegions"] = Parameter{Type: "String", Default: strings.Join(o.ScanRegions, ","), AllowedPattern: "^[a-z]{2}(-[a-z]+)+-[0-9](,[a-z]{2}(-[a-z]+)+-[0-9])*$",
			ConstraintDescription: "region names, comma-separated", Description: "the regions a scheduled scan covers, comma-separated"}
		env["EC2GUARD_SCAN_REGIONS"] = ref("ScanRegions")
	}
	res["ScanDeadLetterQueue"] = deadLetterQueue()
	res["ScanQueue"] = Resource{
		Type: "AWS::SQS::Queue",
		Properties: map[string]any{
			// Six times the function's timeout, as AWS advises for a queue a function takes.
			"VisibilityTimeout":      6 * functionTimeout,
			"MessageRetentionPeriod": 86400,
			"SqsManagedSseEnabled":   true,
			"RedrivePolicy":          map[string]any{"deadLetterTargetArn": getAtt("ScanDeadLetterQueue", "Arn"), "maxReceiveCount": 5},
		},
	}
	res["ScanQueueMapping"] = Resource{
		Type:      "AWS::Lambda::EventSourceMapping",
		DependsOn: []string{"FunctionRole"},
		Properties: map[string]any{
			"EventSourceArn":        getAtt("ScanQueue", "Arn"),
			"FunctionName":          ref("Function"),
			"BatchSize":             1, // a part may take the function's whole timeout
			"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
			"ScalingConfig":         map[string]any{"MaximumConcurrency": ref("ScanConcurrency")},
			"Enabled":               true,
		},
	}
	t.Outputs["ScanQueueUrl"] = Output{Description: "the parts of the scheduled scans", Value: ref("ScanQueue")}
	t.Outputs["ScanDeadLetterQueueUrl"] = Output{Description: "parts of scheduled scans that failed every retry", Value: ref("ScanDeadLetterQueue")}
	env["EC2GUARD_SCAN_QUEUE"] = ref("ScanQueue")
	env["EC2GUARD_SCAN_MAX_ACTIONS"] = ref("ScanMaxActions")
	stmts := []map[string]any{{"Sid": "ScanParts", "Effect": "Allow", "Resource": getAtt("ScanQueue", "Arn"), "Action": ScanQueueActions}}
	switch {
	case len(o.ScanAccounts) > 0:
		env["EC2GUARD_SCAN_ACCOUNTS"] = strings.Join(o.ScanAccounts, ",")
	case o.Org:
		// ListAccounts answers the management account or a delegated administrator only, and
		// takes no resource.
		env["EC2GUARD_SCAN_ACCOUNTS"] = "organization"
		stmts = append(stmts, map[string]any{"Sid": "OrganizationAccounts", "Effect": "Allow", "Action": "organizations:ListAccounts", "Resource": "*"})
	}
	if o.SecurityHub {
		env["EC2GUARD_TO_SECURITYHUB"] = "true"
		stmts = append(stmts, securityHubStatements()...)
	}
	return stmts, nil
}

// checkSecurityHub says why the options cannot send findings, if they cannot: the central
// stack's scan must be fanned out (a member's stack only grants).
func checkSecurityHub(o Options, central bool) error {
	if !o.SecurityHub {
		return nil
	}
	if central && (!o.fansOut() || o.ScanSchedule == "") { // the timer's parts judge no control
		return errors.New("deploy: findings go to Security Hub from a fanned-out scheduled scan: give --scan-schedule with --org or --scan-regions")
	}
	if !slices.ContainsFunc(o.Rules.Rules, func(r *rules.Rule) bool { return r.Control != nil }) {
		return errors.New("deploy: no `- control:` entry in the rule file, whose findings would go to Security Hub")
	}
	return nil
}

// SecurityHubActions are what a scan that sends findings calls (package hub), in the account
// it scans: BatchImportFindings on the account's default product, GetFindings (ec2guard's
// active findings) and BatchUpdateFindings (fixed ones RESOLVED) on its hub, in any region.
// The resource types are the Service Authorization Reference's (iam-data): BatchImportFindings
// requires a product, the other two take a hub (grants_test.go pins them).
var SecurityHubActions = []string{"securityhub:BatchImportFindings", "securityhub:BatchUpdateFindings", "securityhub:GetFindings"}

func securityHubStatements() []map[string]any {
	hub := sub("arn:${AWS::Partition}:securityhub:*:${AWS::AccountId}:hub/default")
	return []map[string]any{
		{"Sid": "SecurityHubImport", "Effect": "Allow", "Action": SecurityHubActions[:1],
			"Resource": sub("arn:${AWS::Partition}:securityhub:*:${AWS::AccountId}:product/${AWS::AccountId}/default")},
		{"Sid": "SecurityHubFindings", "Effect": "Allow", "Action": SecurityHubActions[1:], "Resource": hub},
		// The hub grant alone would let the role set any finding of the account, of any
		// product (GuardDuty's too), SUPPRESSED. ec2guard only resolves: an update that sets
		// no Workflow.Status or another one is refused, the Deny AWS documents for
		// BatchUpdateFindings (securityhub:ASFFSyntaxPath/<field>).
		{"Sid": "SecurityHubOnlyResolve", "Effect": "Deny", "Action": SecurityHubActions[1:2], "Resource": hub,
			"Condition": map[string]map[string]any{"StringNotEquals": {"securityhub:ASFFSyntaxPath/Workflow.Status": "RESOLVED"}}},
	}
}
