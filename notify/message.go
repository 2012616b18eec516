// Package notify tells a resource's owner what is wrong with it: who the owner's recipients
// are (an owner map: principal id or Owner tag value → e-mail, Slack or Teams webhook, SNS
// topic, with a fallback), what the message says (what is wrong, what will happen when, how to
// fix it or ask for an exception), and how it is sent to webhooks (Slack's and Teams' incoming
// webhook JSON, or a generic JSON body), over https with retries. SNS messages carry message
// attributes (owner, principal_id, rule, control, severity, account) for subscription filter
// policies; publishing them is the caller's, through a Publisher such as awsapi.Clients.
//
// It imports no AWS SDK: the SNS side is an interface.
package notify

import (
	"fmt"
	"strings"
	"time"
)

// Message is one notification about one resource.
type Message struct {
	Rule     string `json:"rule"`
	Control  string `json:"control,omitempty"`  // the guardrail's id (EC2-2, IAM-EC2-4...)
	Severity string `json:"severity,omitempty"` // low, medium, high, critical

	ResourceID   string `json:"resource_id"`
	ResourceKind string `json:"resource_kind"`
	Account      string `json:"account,omitempty"`
	Region       string `json:"region,omitempty"`

	Owner       string `json:"owner,omitempty"`        // the Owner tag
	PrincipalID string `json:"principal_id,omitempty"` // the creator's principal id

	Problem   string    `json:"problem"`             // what is wrong
	Action    string    `json:"action,omitempty"`    // what ec2guard will do (stop, start, tag...)
	Due       time.Time `json:"due,omitzero"`        // when; zero: at once
	Done      bool      `json:"done,omitempty"`      // the action was taken
	Cleared   bool      `json:"cleared,omitempty"`   // fixed in time: the pending action is cancelled
	Fix       string    `json:"fix,omitempty"`       // how to fix it
	Exception string    `json:"exception,omitempty"` // how to ask for an exception
}

// Subject is a one-line summary (SNS subjects: at most 100 characters).
func (m Message) Subject() string {
	s := fmt.Sprintf("ec2guard: %s %s", m.ResourceKind, m.ResourceID)
	switch {
	case m.Cleared:
		s += " is fixed"
		if m.Action != "" {
			s += ": no " + m.Action
		}
	case m.Done && m.Action != "":
		s += fmt.Sprintf(" fails %s: %s done", m.Rule, m.Action)
	case m.Action != "" && !m.Due.IsZero():
		s += fmt.Sprintf(" fails %s: %s on %s", m.Rule, m.Action, m.Due.Format("2006-01-02 15:04 MST"))
	default:
		s += " fails " + m.Rule
	}
	return clip(s, 100)
}

// Text is the message for people: what is wrong, what will happen when, and how to fix it
// or ask for an exception.
func (m Message) Text() string {
	var b strings.Builder
	where := m.Account
	if m.Region != "" {
		where = strings.TrimPrefix(where+", "+m.Region, ", ")
	}
	fmt.Fprintf(&b, "%s %s", m.ResourceKind, m.ResourceID)
	if where != "" {
		fmt.Fprintf(&b, " (%s)", where)
	}
	if m.Cleared {
		fmt.Fprintf(&b, " no longer fails rule %s", m.Rule)
		if m.Action != "" {
			fmt.Fprintf(&b, ": the pending %s is cancelled", m.Action)
		}
		b.WriteString(".\n")
		return b.String()
	}
	fmt.Fprintf(&b, " fails rule %s", m.Rule)
	if tags := strings.Trim(m.Control+", "+m.Severity, ", "); tags != "" {
		fmt.Fprintf(&b, " (%s)", tags)
	}
	b.WriteString(".\n")
	if m.Problem != "" {
		fmt.Fprintf(&b, "What is wrong: %s\n", sentence(m.Problem))
	}
	switch {
	case m.Action == "":
	case m.Done:
		fmt.Fprintf(&b, "What happened: ec2guard did %s.\n", m.Action)
	case m.Due.IsZero():
		fmt.Fprintf(&b, "What will happen: %s, now.\n", m.Action)
	default:
		fmt.Fprintf(&b, "What will happen: %s on %s if it still fails then.\n", m.Action, m.Due.Format("Mon 2 Jan 2006 15:04 MST"))
	}
	if m.Fix != "" {
		fmt.Fprintf(&b, "How to fix it: %s\n", sentence(m.Fix))
	}
	if m.Exception != "" {
		fmt.Fprintf(&b, "To ask for an exception: %s\n", sentence(m.Exception))
	}
	return b.String()
}

func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s != "" && !strings.ContainsAny(s[len(s)-1:], ".!?") {
		s += "."
	}
	return s
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Attribute names of SNS messages, for subscription filter policies
// (`{"owner": ["alice"]}`, `{"severity": ["high", "critical"]}`).
const (
	AttrOwner       = "owner"
	AttrPrincipalID = "principal_id"
	AttrRule        = "rule"
	AttrControl     = "control"
	AttrSeverity    = "severity"
	AttrAccount     = "account"
	AttrEmail       = "email" // the recipient's address, for an e-mail subscription's filter policy
)

// Attributes are the SNS message attributes of m. Empty values are left out: SNS refuses an
// attribute without a value, and a filter policy's exists: false then matches the absence.
func (m Message) Attributes() map[string]string {
	out := map[string]string{}
	for k, v := range map[string]string{
		AttrOwner: m.Owner, AttrPrincipalID: m.PrincipalID, AttrRule: m.Rule,
		AttrControl: m.Control, AttrSeverity: m.Severity, AttrAccount: m.Account,
	} {
		if v != "" {
			out[k] = v
		}
	}
	return out
}
