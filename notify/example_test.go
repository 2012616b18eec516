package notify_test

import (
	"fmt"
	"time"

	"github.com/ec2guard/ec2guard/notify"
)

func Example() {
	owners, err := notify.LoadMap("owners.yaml", []byte(`
fallback: {sns: "arn:aws:sns:eu-west-1:111122223333:ops"}
owners:
  alice: {slack: "https://hooks.slack.com/services/T000/B000/XXXX"}
`), notify.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	to, by := owners.Route("AIDAALICE", "alice")
	fmt.Printf("routed by %q to %s\n", by, notify.Redact(to.Slack))

	m := notify.Message{
		Rule: "require-exception", Severity: "high", ResourceID: "i-0abc", ResourceKind: "instance",
		Account: "111122223333", Region: "eu-west-1", Owner: "alice", PrincipalID: "AIDAALICE",
		Problem: "it runs without the SPECIAL_EXCEPTION tag", Action: "stop",
		Due:       time.Date(2026, 12, 8, 15, 0, 0, 0, time.UTC),
		Fix:       "stop it, or tag it SPECIAL_EXCEPTION=until=YYYY-MM-DD;reason=WHY",
		Exception: "ask cloud-ops@example.com",
	}
	fmt.Println(m.Subject())
	fmt.Print(m.Text())
	fmt.Println(m.Attributes()["owner"], m.Attributes()["severity"])
	// Output:
	// routed by "alice" to https://hooks.slack.com/…
	// ec2guard: instance i-0abc fails require-exception: stop on 2026-12-08 15:00 UTC
	// instance i-0abc (111122223333, eu-west-1) fails rule require-exception (high).
	// What is wrong: it runs without the SPECIAL_EXCEPTION tag.
	// What will happen: stop on Tue 8 Dec 2026 15:00 UTC if it still fails then.
	// How to fix it: stop it, or tag it SPECIAL_EXCEPTION=until=YYYY-MM-DD;reason=WHY.
	// To ask for an exception: ask cloud-ops@example.com.
	// alice high
}
