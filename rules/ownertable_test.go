package rules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/notify"
)

func TestLoadOwnerTable(t *testing.T) {
	const head = "rules:\n  - name: a\n    pattern: {source: [aws.ec2]}\n    actions: [tell-owner]\n"
	set, err := Load("dir/r.yaml", []byte(`owners:
  table: ec2guard-owners
  region: eu-west-1
  key: principal
  topics: ["arn:aws:sns:eu-west-1:111122223333:team-*", "arn:aws:sns:eu-west-1:111122223333:ops"]
  email-topic: arn:aws:sns:eu-west-1:111122223333:owners-mail
  cache: 30s
`+head), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := notify.TableSpec{Table: "ec2guard-owners", Region: "eu-west-1", Key: "principal", EmailTopic: "arn:aws:sns:eu-west-1:111122223333:owners-mail",
		Topics: []string{"arn:aws:sns:eu-west-1:111122223333:team-*", "arn:aws:sns:eu-west-1:111122223333:ops"}, Cache: 30 * time.Second}
	if got := set.OwnerTable; got == nil || got.Table != want.Table || got.Region != want.Region || got.Key != want.Key || got.EmailTopic != want.EmailTopic ||
		strings.Join(got.Topics, " ") != strings.Join(want.Topics, " ") || got.Cache != want.Cache || set.Owners != nil {
		t.Errorf("owner table %+v, want %+v", got, want)
	}
	if set, err := Load("dir/r.yaml", []byte("owners: {table: owners, cache: 0s}\n"+head), Options{}); err != nil || set.OwnerTable.Cache >= 0 {
		t.Errorf("cache: 0s is no cache: %v %+v", err, set)
	}

	for _, tc := range []struct{ name, owners, want string }{
		{"no table", "owners: {topics: [\"arn:aws:sns:eu-west-1:111122223333:x\"]}\n", "dir/r.yaml:1:9: owners: a mapping names an owner table"},
		{"bad table name", "owners: {table: \"my table\"}\n", "dir/r.yaml:1:17: owners: table: \"my table\" is not a DynamoDB table name"},
		{"unknown key", "owners: {table: owners, fallback: x}\n", "dir/r.yaml:1:25: owners: unknown key \"fallback\""},
		{"bad topic", "owners:\n  table: owners\n  topics: [\"arn:aws:sqs:eu-west-1:111122223333:q\"]\n", "dir/r.yaml:3:12: owners: topics: \"arn:aws:sqs:eu-west-1:111122223333:q\" is not an SNS topic ARN"},
		{"topics not a list", "owners: {table: owners, topics: {a: b}}\n", "dir/r.yaml:1:33: owners: topics must be a list"},
		{"bad email topic", "owners: {table: owners, email-topic: mail}\n", "dir/r.yaml:1:38: owners: email-topic: \"mail\" is not an SNS topic ARN"},
		{"bad region", "owners: {table: owners, region: Europe}\n", "dir/r.yaml:1:33: owners: region: \"Europe\" is not an AWS region"},
		{"bad cache", "owners: {table: owners, cache: soon}\n", "dir/r.yaml:1:32: owners: cache: \"soon\" is not a duration"},
		{"long cache", "owners: {table: owners, cache: 2h}\n", "dir/r.yaml:1:32: owners: cache: 2h is not between 0s and 1h"},
		{"empty key", "owners: {table: owners, key: \"\"}\n", "dir/r.yaml:1:30: owners: key: the partition key attribute's name is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("dir/r.yaml", []byte(tc.owners+head), Options{})
			var errs Errors
			if !errors.As(err, &errs) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load = %v\nwant ...%s", err, tc.want)
			}
		})
	}
}
