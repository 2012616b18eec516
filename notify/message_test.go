package notify

import (
	"maps"
	"strings"
	"testing"
	"time"
)

var paris, _ = time.LoadLocation("Europe/Paris")

var failing = Message{
	Rule: "require-exception", Control: "EC2-2", Severity: "high",
	ResourceID: "i-0abc", ResourceKind: "instance", Account: "111122223333", Region: "eu-west-1",
	Owner: "alice", PrincipalID: "AIDAALICE",
	Problem:   "it runs without the SPECIAL_EXCEPTION tag",
	Action:    "stop",
	Due:       time.Date(2026, 12, 8, 15, 0, 0, 0, paris),
	Fix:       "stop it yourself, or tag it SPECIAL_EXCEPTION=until=YYYY-MM-DD;reason=WHY if it must run",
	Exception: "write to cloud-ops@example.com with the instance id and until when",
}

func TestText(t *testing.T) {
	done, now, cleared, bare := failing, failing, failing, Message{Rule: "r", ResourceID: "vol-1", ResourceKind: "volume"}
	done.Done = true
	now.Due = time.Time{}
	cleared.Cleared = true
	for _, tc := range []struct {
		name    string
		m       Message
		subject string
		text    string
	}{
		{"pending", failing, "ec2guard: instance i-0abc fails require-exception: stop on 2026-12-08 15:00 CET",
			"instance i-0abc (111122223333, eu-west-1) fails rule require-exception (EC2-2, high).\n" +
				"What is wrong: it runs without the SPECIAL_EXCEPTION tag.\n" +
				"What will happen: stop on Tue 8 Dec 2026 15:00 CET if it still fails then.\n" +
				"How to fix it: stop it yourself, or tag it SPECIAL_EXCEPTION=until=YYYY-MM-DD;reason=WHY if it must run.\n" +
				"To ask for an exception: write to cloud-ops@example.com with the instance id and until when.\n"},
		{"done", done, "ec2guard: instance i-0abc fails require-exception: stop done", "What happened: ec2guard did stop.\n"},
		{"at once", now, "ec2guard: instance i-0abc fails require-exception", "What will happen: stop, now.\n"},
		{"cleared", cleared, "ec2guard: instance i-0abc is fixed: no stop",
			"instance i-0abc (111122223333, eu-west-1) no longer fails rule require-exception: the pending stop is cancelled.\n"},
		{"bare", bare, "ec2guard: volume vol-1 fails r", "volume vol-1 fails rule r.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s := tc.m.Subject(); s != tc.subject {
				t.Errorf("Subject = %q, want %q", s, tc.subject)
			}
			if s := tc.m.Text(); !strings.Contains(s, tc.text) {
				t.Errorf("Text = %q, want ...%q", s, tc.text)
			}
		})
	}
	long := failing
	long.ResourceID = strings.Repeat("x", 200)
	if n := len([]rune(long.Subject())); n != 100 {
		t.Errorf("a long subject has %d characters", n)
	}
}

func TestAttributes(t *testing.T) {
	want := map[string]string{"owner": "alice", "principal_id": "AIDAALICE", "rule": "require-exception", "control": "EC2-2", "severity": "high", "account": "111122223333"}
	if got := failing.Attributes(); !maps.Equal(got, want) {
		t.Errorf("Attributes = %v", got)
	}
	if got := (Message{Rule: "r"}).Attributes(); !maps.Equal(got, map[string]string{"rule": "r"}) {
		t.Errorf("empty values are sent: %v", got)
	}
}
