package queueurl

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in, arn, err string
	}{
		{"https://sqs.eu-west-1.amazonaws.com/111122223333/ec2guard", "arn:aws:sqs:eu-west-1:111122223333:ec2guard", ""},
		{"https://eu-west-1.queue.amazonaws.com/111122223333/q.fifo", "arn:aws:sqs:eu-west-1:111122223333:q.fifo", ""},
		{"https://queue.amazonaws.com/111122223333/q", "arn:aws:sqs:us-east-1:111122223333:q", ""},
		{"https://sqs.cn-north-1.amazonaws.com.cn/111122223333/q", "arn:aws-cn:sqs:cn-north-1:111122223333:q", ""},
		{"http://127.0.0.1:4566/123456789012/q", "arn:aws:sqs:REGION:123456789012:q", ""}, // an emulator: the region comes from elsewhere
		{"arn:aws:sqs:us-east-2:111122223333:q", "arn:aws:sqs:us-east-2:111122223333:q", ""},
		{"not a url", "", `"not a url" is not an SQS queue URL`},
		{"sqs.eu-west-1.amazonaws.com/111122223333/q", "", "is not an SQS queue URL"},
		{"https://sqs.eu-west-1.amazonaws.com/q", "", "its path must be /ACCOUNT/NAME"},
		{"https://sqs.eu-west-1.amazonaws.com/1111/q", "", "its path must be /ACCOUNT/NAME"},
		{"https://sqs.eu-west-1.amazonaws.com/111122223333/q/x", "", "its path must be /ACCOUNT/NAME"},
		{"https://sqs.eu-west-1.amazonaws.com/111122223333/a b", "", "its path must be /ACCOUNT/NAME"},
		{"arn:aws:sns:us-east-2:111122223333:q", "", "is not an SQS queue ARN"},
		{"arn:aws:sqs:us-east-2:111122223333", "", "is not an SQS queue ARN"},
	} {
		q, err := ParseAny(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got := q.ARN("REGION"); got != tt.arn {
			t.Errorf("%q: ARN %s, want %s", tt.in, got, tt.arn)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"https://sqs.eu-west-1.amazonaws.com/111122223333/q", "arn:aws:sqs:us-east-2:111122223333:q", "not a url", "http://[::1]:1/123456789012/q", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseAny(s)
		if err != nil {
			return
		}
		// What parses names a queue an ARN can name again.
		if _, err := ParseARN(q.ARN("us-east-1")); err != nil {
			t.Fatalf("%q parsed as %+v, but its ARN does not: %v", s, q, err)
		}
	})
}
