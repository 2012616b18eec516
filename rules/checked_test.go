package rules_test

import (
	"testing"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/rules"
)

// Errors of the checks package actions supplies, as validate, deploy and the run see them.
func TestLoadChecked(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // "line:col: message part"
	}{
		{"notify topic not an ARN, at the value", "rules:\n  - name: a\n    pattern: {source: [x]}\n    actions:\n      - notify:\n          subject: hi\n          topic: not-an-arn\n",
			[]string{`7:18: action "notify": parameter "topic": "not-an-arn" is not an SNS topic ARN (arn:PARTITION:sns:REGION:ACCOUNT:NAME)`}},
		{"notify topic an SQS ARN after the variable is filled", "rules:\n  - name: a\n    pattern: {source: [x]}\n    actions:\n      - notify: {topic: \"${var:queue}\"}\n",
			[]string{`5:25: action "notify": parameter "topic": "arn:aws:sqs:us-east-1:123456789012:q" is an ARN of sqs, not of an SNS topic`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rules.Load("f.yaml", []byte(tt.src), rules.Options{CheckAction: actions.Check, Transitions: actions.Transitions,
				Vars: map[string]string{"queue": "arn:aws:sqs:us-east-1:123456789012:q"}})
			rules.WantErrors(t, err, tt.want)
		})
	}
}
