package rules

import (
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

func TestTimeDriven(t *testing.T) {
	const running = "    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}\n"
	for _, tc := range []struct{ extra, want string }{
		{"    filters: [{tag: keep, absent: true}]\n", ""},
		{"    grace: 3d\n", "grace"},
		{"    min-age: 10m\n", "min-age"},
		{"    schedule: {off: \"19:00\", on: \"08:00\", timezone: Europe/Paris}\n", "schedule"},
		{"    filters: [{stopped-for: 30d}]\n", "stopped-for"},
		{"    resources: [volume]\n    filters: [{attr: CreateTime, older-than: 90d}]\n", "older-than"},
		{"    resources: [volume]\n    filters: [{attr: CreateTime, present: true}]\n", ""},
		{"    exceptions: [{tag: SPECIAL_EXCEPTION, reason: its value may say until=}]\n", "expiring exception"},
		{"    exceptions: [{id: [i-0123456789abcdef0], reason: migration, until: 2027-01-31}]\n", "expiring exception"},
		{"    exceptions: [{account: [\"111122223333\"], reason: sandbox}]\n", ""},
		{"    filters: [{stopped-for: 30d}]\n    exceptions: [{tag: SPECIAL_EXCEPTION, reason: its value may say until=}]\n", "stopped-for"},
	} {
		src := "rules:\n  - name: r\n" + running + tc.extra + "    actions: [stop]\n"
		set, err := Load("r.yaml", []byte(src), Options{})
		if err != nil {
			t.Fatalf("%q: %v", tc.extra, err)
		}
		if got := set.Rules[0].TimeDriven(); got != tc.want {
			t.Errorf("%q: TimeDriven() = %q, want %q", tc.extra, got, tc.want)
		}
	}
}

// A grace or a min-age on the account's settings is refused: both are recorded as a tag on
// what the rule judges, and an account's settings carry none.
func TestNoTimingTagsOnAccountSettings(t *testing.T) {
	for _, extra := range []string{"    grace: 2d\n", "    min-age: 10m\n"} {
		_, err := Load("g.yaml", []byte(`rules:
  - name: ebs-default-encryption
    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [DisableEbsEncryptionByDefault]}}
    resources: [account]
`+extra+`    actions: [notify]
`), Options{})
		if err == nil || !strings.Contains(err.Error(), "g.yaml:2:5") || !strings.Contains(err.Error(), "carry no tags") {
			t.Errorf("%q: %v", extra, err)
		}
	}
}

// The same of a control entry on the account's settings.
func TestNoTimingTagsOnAccountControls(t *testing.T) {
	_, err := Load("c.yaml", []byte("rules:\n  - control: EC2.7\n    grace: 2d\n"), Options{Controls: func(id string, _ map[string]any) ([]ControlRule, error) {
		return []ControlRule{{Kind: resource.Account, Pattern: []byte(`{"source":["aws.ec2"]}`)}}, nil
	}})
	if err == nil || !strings.Contains(err.Error(), "c.yaml:2:14") || !strings.Contains(err.Error(), "carry no tags") {
		t.Errorf("a grace on EC2.7: %v", err)
	}
}
