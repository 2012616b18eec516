package deploy

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// PolicyOptions place the execution policy outside CloudFormation (Terraform, CDK, a role
// made by hand): the partition, account and region its ARNs name ("*" for any).
type PolicyOptions struct {
	Options
	Partition, Account, Region string
	Table                      string // the DynamoDB state table ec2guard uses (--state dynamodb://TABLE), if any
	AssumeRole                 string // the remediation role of other accounts (--assume-role), if any
	// OrgID is the Organization the remediation role may be assumed in (aws:ResourceOrgID, as
	// the central template has it); required with AssumeRole.
	OrgID string
	Queue string // the ARN of the SQS queue serve consumes (--queue), if any
}

var orgID = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)

// QueueActions are what serve does with its queue: it checks it at start
// (GetQueueAttributes), long-polls it, keeps a message hidden while working on it and deletes
// it once handled. A queue encrypted with a customer managed KMS key also needs kms:Decrypt on
// that key, which the policy cannot know; SSE-SQS (the default) needs nothing more.
var QueueActions = []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"}

// Policy is the identity policy ec2guard needs to run the rules with the state table and the
// remediation role named (and, for serve, the queue it consumes): the same statements as the template's execution role, bar the
// stack's own log group and queue, with concrete ARNs.
func Policy(o PolicyOptions) ([]byte, error) {
	if o.Rules == nil || len(o.Rules.Rules) == 0 {
		return nil, fmt.Errorf("deploy: no rules")
	}
	part, acct, region := orAny(o.Partition, "aws"), orAny(o.Account, "*"), orAny(o.Region, "*")
	resolve := strings.NewReplacer("${AWS::Partition}", part, "${AWS::AccountId}", acct, "${AWS::Region}", region)
	stmts := []map[string]any{readStatement(o.Rules)}
	for _, st := range actionStatements(o.Rules, false) {
		if res, ok := st["Resource"].([]any); ok {
			var arns []string
			for _, r := range res {
				if m, ok := r.(map[string]any); ok {
					arns = append(arns, resolve.Replace(m["Fn::Sub"].(string)))
				}
			}
			st["Resource"] = arns
		}
		stmts = append(stmts, st)
	}
	if o.Table != "" {
		stmts = append(stmts, map[string]any{"Sid": "StateTable", "Effect": "Allow",
			"Resource": "arn:" + part + ":dynamodb:" + region + ":" + acct + ":table/" + o.Table,
			"Action":   []string{"dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:DescribeTimeToLive", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}})
	}
	if o.SecurityHub { // scan --controls --to-securityhub, in this account
		for _, st := range securityHubStatements() {
			st["Resource"] = resolve.Replace(st["Resource"].(map[string]any)["Fn::Sub"].(string))
			stmts = append(stmts, st)
		}
	}
	if o.Queue != "" {
		stmts = append(stmts, map[string]any{"Sid": "ConsumeQueue", "Effect": "Allow", "Resource": o.Queue, "Action": QueueActions})
	}
	if o.AssumeRole != "" {
		// Without the Organization condition the grant would reach a role of that name in any
		// account of AWS, whoever made it.
		if !orgID.MatchString(o.OrgID) {
			return nil, fmt.Errorf("deploy: the remediation role %q needs the Organization it may be assumed in (an id o-..., got %q)", o.AssumeRole, o.OrgID)
		}
		stmts = append(stmts, map[string]any{"Sid": "ActInMemberAccounts", "Effect": "Allow", "Action": "sts:AssumeRole",
			"Resource":  "arn:" + part + ":iam::*:role/" + o.AssumeRole,
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:ResourceOrgID": o.OrgID}}})
	} else if o.OrgID != "" {
		return nil, fmt.Errorf("deploy: an Organization id without a remediation role to assume in it")
	}
	doc := struct {
		Version   string           `json:"Version"`
		Statement []map[string]any `json:"Statement"`
	}{"2012-10-17", stmts}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("rendering the policy: %w", err)
	}
	return append(b, '\n'), nil
}

func orAny(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
