package actions

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]any
		err    string
	}{
		{"start", nil, ""},
		{"start", map[string]any{"wait": "90s"}, ""},
		{"start", map[string]any{"wait": "forever"}, "not a duration"},
		{"start", map[string]any{"wait": "1h"}, "between 0 and 15m0s"},
		{"stop", map[string]any{"force": true}, ""},
		{"stop", map[string]any{"force": "yes"}, `parameter "force": must be true or false`},
		{"protect", map[string]any{"stop": true, "termination": false}, ""},
		{"tag", map[string]any{"tags": map[string]any{"Owner": "{{.UserName}}"}}, ""},
		{"tag", nil, `parameter "tags" is required`},
		{"tag", map[string]any{"tags": map[string]any{"aws:x": "v"}}, "not allowed"},
		{"tag", map[string]any{"tags": map[string]any{"Owner": 5}}, "must be a string"},
		{"notify", map[string]any{"topic": "arn:aws:sns:us-east-1:123456789012:ops"}, ""},
		{"notify", map[string]any{"topic": "arn:aws-us-gov:sns:us-gov-west-1:123456789012:ops_2-x"}, ""},
		{"notify", map[string]any{"topic": "arn:aws:sns:eu-west-1:123456789012:ops.fifo"}, ""},
		{"notify", map[string]any{"topic": "not-an-arn"}, `parameter "topic": "not-an-arn" is not an SNS topic ARN (arn:PARTITION:sns:REGION:ACCOUNT:NAME)`},
		{"notify", map[string]any{"topic": "arn:aws:sqs:us-east-1:123456789012:ops"}, `"arn:aws:sqs:us-east-1:123456789012:ops" is an ARN of sqs, not of an SNS topic`},
		{"notify", map[string]any{"topic": "arn:aws:sns:us-east-1:123456789012"}, "is not an SNS topic ARN"},
		{"notify", map[string]any{"topic": "arn:aws:sns:us-east-1:123456789012:ops:extra"}, "is not an SNS topic ARN"},
		{"notify", map[string]any{"topic": "arn:aws:sns:us-east-1:1234:ops"}, `the account "1234" is not 12 digits`},
		{"notify", map[string]any{"topic": "arn:aws:sns:useast1:123456789012:ops"}, `"useast1" is not an AWS region`},
		{"notify", map[string]any{"topic": "arn:amazon:sns:us-east-1:123456789012:ops"}, `"amazon" is not an AWS partition`},
		{"notify", map[string]any{"topic": "arn:aws:sns:us-east-1:123456789012:my topic"}, `the topic name "my topic" is not`},
		{"notify", map[string]any{"topic": "arn:aws:sns:us-east-1:123456789012:" + strings.Repeat("a", 257)}, `is not 1-256`},
		{"notify", map[string]any{"topic": "arn:aws:sns:us-east-1:123456789012:.fifo"}, `the topic name ".fifo" is not`},
		{"notify", map[string]any{"topic": "t", "colour": "red"}, `unknown parameter "colour" (known: always, message, subject, topic)`},
		{"reboot", nil, "unknown action (known: " + strings.Join(Names(), ", ") + ")"},
	}
	for _, tt := range tests {
		err := Check(tt.name, tt.params)
		if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("Check(%s, %v) = %v, want %q", tt.name, tt.params, err, tt.err)
		}
	}
}

func TestTransitions(t *testing.T) {
	if from, to := Transitions("stop", nil); len(from) != 2 || from[1] != "running" || len(to) != 2 || to[1] != "stopped" {
		t.Errorf("Transitions(stop) = %v, %v", from, to)
	}
	if from, to := Transitions("tag", nil); from != nil || to != nil {
		t.Errorf("Transitions(tag) = %v, %v, want nil", from, to)
	}
}
