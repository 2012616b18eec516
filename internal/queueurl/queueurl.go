// Package queueurl reads the two names of an SQS queue, its URL (what serve consumes) and
// its ARN (what an IAM policy grants on), without calling AWS.
package queueurl

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Queue is an SQS queue as its URL or ARN names it. Region is empty when the URL's host does
// not say it (a local emulator, a VPC endpoint); Partition then defaults to "aws".
type Queue struct {
	URL                              string // empty when parsed from an ARN
	Partition, Region, Account, Name string
}

// ARN is the queue's ARN; region fills in a Region the URL did not tell.
func (q Queue) ARN(region string) string {
	if q.Region != "" {
		region = q.Region
	}
	return "arn:" + q.Partition + ":sqs:" + region + ":" + q.Account + ":" + q.Name
}

var (
	account = regexp.MustCompile(`^[0-9]{12}$`)
	name    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$|^[A-Za-z0-9_-]{1,75}\.fifo$`)
	// sqs.REGION.amazonaws.com[.cn], the legacy REGION.queue.amazonaws.com, and queue.amazonaws.com (us-east-1).
	host = regexp.MustCompile(`^(?:sqs\.([a-z0-9-]+)|([a-z0-9-]+)\.queue|(queue))\.amazonaws\.com(\.cn)?$`)
)

const want = "want https://sqs.REGION.amazonaws.com/ACCOUNT/NAME"

// Parse reads a queue URL: http(s)://HOST/ACCOUNT/NAME.
func Parse(s string) (Queue, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return Queue{}, fmt.Errorf("%q is not an SQS queue URL (%s)", s, want)
	}
	parts := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")
	if len(parts) != 2 || !account.MatchString(parts[0]) || !name.MatchString(parts[1]) {
		return Queue{}, fmt.Errorf("%q is not an SQS queue URL: its path must be /ACCOUNT/NAME, a 12-digit account and a queue name (%s)", s, want)
	}
	q := Queue{URL: s, Partition: "aws", Account: parts[0], Name: parts[1]}
	if m := host.FindStringSubmatch(u.Hostname()); m != nil {
		q.Region = m[1] + m[2]
		if m[3] != "" {
			q.Region = "us-east-1"
		}
		if m[4] != "" {
			q.Partition = "aws-cn"
		}
	}
	return q, nil
}

// ParseARN reads a queue ARN: arn:PARTITION:sqs:REGION:ACCOUNT:NAME.
func ParseARN(s string) (Queue, error) {
	f := strings.Split(s, ":")
	if len(f) != 6 || f[0] != "arn" || f[1] == "" || f[2] != "sqs" || f[3] == "" || !account.MatchString(f[4]) || !name.MatchString(f[5]) {
		return Queue{}, fmt.Errorf("%q is not an SQS queue ARN (want arn:aws:sqs:REGION:ACCOUNT:NAME)", s)
	}
	return Queue{Partition: f[1], Region: f[3], Account: f[4], Name: f[5]}, nil
}

// ParseAny reads a queue URL or ARN.
func ParseAny(s string) (Queue, error) {
	if strings.HasPrefix(s, "arn:") {
		return ParseARN(s)
	}
	return Parse(s)
}
