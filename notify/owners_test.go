package notify

import (
	"strings"
	"testing"
)

const ownersYAML = `email-topic: arn:aws:sns:eu-west-1:111122223333:owners-mail
fallback: {sns: "arn:aws:sns:eu-west-1:111122223333:ops"}
owners:
  alice:
    email: alice@example.com
    slack: https://hooks.slack.com/services/T000/B000/XXXX
  AIDAEXAMPLEBOB:
    teams: https://example.webhook.office.com/webhookb2/abc
    webhook: https://hooks.example.com/ec2guard
    sns: arn:aws:sns:eu-west-1:111122223333:bob
`

func TestRoute(t *testing.T) {
	m, err := LoadMap("owners.yaml", []byte(ownersYAML), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ principal, owner, key, channel string }{
		{"AIDAEXAMPLEBOB", "alice", "AIDAEXAMPLEBOB", "teams"}, // the principal comes first
		{"AIDAUNKNOWN", "alice", "alice", "slack"},
		{"", "alice", "alice", "slack"},
		{"AIDAUNKNOWN", "carol", "", "fallback"},
		{"", "", "", "fallback"},
	} {
		r, key := m.Route(tc.principal, tc.owner)
		got := map[bool]string{true: "fallback"}[r == m.Fallback]
		if r.Teams != "" {
			got = "teams"
		} else if r.Slack != "" {
			got = "slack"
		}
		if key != tc.key || got != tc.channel {
			t.Errorf("Route(%q, %q) = %s by %q; want %s by %q", tc.principal, tc.owner, got, key, tc.channel, tc.key)
		}
	}
	if m.EmailTopic != "arn:aws:sns:eu-west-1:111122223333:owners-mail" || strings.Join(m.Keys(), ",") != "AIDAEXAMPLEBOB,alice" {
		t.Errorf("map %+v", m)
	}
	// JSON is YAML.
	if _, err := LoadMap("owners.json", []byte(`{"fallback": {"webhook": "https://ops.example.com/hook"}, "owners": {}}`), Options{}); err != nil {
		t.Error(err)
	}
}

func TestLoadMapErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"owners: {}\n", "owners.yaml:1:1: no fallback"},
		{"", "owners.yaml:1:1: empty owner map"},
		{"fallback: {webhook: http://hooks.example.com/x}\n", "owners.yaml:1:21: the fallback: webhook: http://hooks.example.com/… is not https"},
		{"fallback: {webhook: ftp://hooks.example.com/x}\n", "is not https"},
		{"fallback: {webhook: https://user:pw@hooks.example.com/x}\n", "user information"},
		{"fallback: {slack: 'https:///x'}\n", "has no host"},
		{"fallback: {sns: arn:aws:sqs:eu-west-1:111122223333:q}\n", "owners.yaml:1:17: the fallback: sns: \"arn:aws:sqs:eu-west-1:111122223333:q\" is not an SNS topic ARN"},
		{"fallback: {email: not-an-address}\nemail-topic: arn:aws:sns:eu-west-1:111122223333:m\n", "is not an e-mail address"},
		{"fallback: {email: 'Alice <a@example.com>'}\nemail-topic: arn:aws:sns:eu-west-1:111122223333:m\n", "give the address alone"},
		{"fallback: {email: a@example.com}\n", "owners.yaml:1:11: an e-mail recipient needs email-topic"},
		{"fallback: {pager: x}\n", "owners.yaml:1:12: the fallback: unknown channel \"pager\""},
		{"fallback: {}\n", "the fallback: no channel"},
		{"fallback: {sns: arn:aws:sns:eu-west-1:111122223333:o}\nowners:\n  alice: {}\n  alice: {sns: arn:aws:sns:eu-west-1:111122223333:o}\n", "owners.yaml:4:3: owner \"alice\" is given twice"},
		{"fallback: {sns: arn:aws:sns:eu-west-1:111122223333:o}\nowners: [alice]\n", "owners.yaml:2:9: owners is a mapping"},
		{"fallback: {sns: arn:aws:sns:eu-west-1:111122223333:o}\nowner: {}\n", "owners.yaml:2:1: unknown key \"owner\""},
		{"fallback: {sns: [a]}\n", "sns is a string"},
		{"fallback: [\n", "owners.yaml:"},
	} {
		_, err := LoadMap("owners.yaml", []byte(tc.src), Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadMap(%q) = %v; want ...%s", tc.src, err, tc.want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		url   string
		allow bool
		ok    bool
	}{
		{"https://hooks.slack.com/services/T/B/X", false, true},
		{"http://hooks.slack.com/services/T/B/X", false, false},
		{"http://127.0.0.1:8080/hook", false, false}, // loopback http needs the option
		{"http://127.0.0.1:8080/hook", true, true},
		{"http://127.5.6.7/hook", true, true},
		{"http://[::1]:9/hook", true, true},
		{"http://localhost:9/hook", true, true},
		{"http://10.0.0.1/hook", true, false}, // not loopback
		{"http://hooks.example.com/hook", true, false},
		{"https://", false, false},
		{"hooks.slack.com/x", false, false},
		{"://", false, false},
	} {
		if err := CheckURL(tc.url, tc.allow); (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q, %v) = %v", tc.url, tc.allow, err)
		}
	}
	if r := Redact("https://hooks.slack.com/services/T000/B000/SECRET"); r != "https://hooks.slack.com/…" {
		t.Errorf("Redact = %q", r)
	}
}

func FuzzLoadMap(f *testing.F) {
	f.Add([]byte(ownersYAML))
	f.Add([]byte(`{"fallback": {"webhook": "https://ops.example.com/hook"}, "owners": {"a": {"email": "a@b.c"}}}`))
	f.Add([]byte("a: &x [*x]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		m, err := LoadMap("f.yaml", src, Options{AllowLoopbackHTTP: true})
		if err != nil {
			return
		}
		// What loads routes somewhere: the fallback has a channel.
		if r, _ := m.Route("", ""); r.Empty() {
			t.Fatal("a map without a fallback channel loaded")
		}
		for _, k := range m.Keys() {
			if r, key := m.Route(k, ""); key != k || r.Empty() {
				t.Fatalf("owner %q routes to %q", k, key)
			}
		}
	})
}
