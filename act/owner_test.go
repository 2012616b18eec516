package act

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	owner "github.com/ec2guard/ec2guard/notify"
	"github.com/ec2guard/ec2guard/rules"
)

// tell-owner on moto through the real SDK, in a rule with a grace: the owner the map names
// gets the message on their webhook (a loopback server), saying what is wrong, what will
// happen when, and how to fix it or ask for an exception; a resource whose owner the map does
// not name goes to the fallback topic.
func TestTellOwnerOnMoto(t *testing.T) {
	f := newFleet(t)
	topic, received := inbox(t, f, "fallback")
	hook, bodies := jsonWebhook(t) // owner_table_test.go
	files := map[string]string{"dir/owners.yaml": "fallback: {sns: \"" + topic + "\"}\nowners:\n  alice: {webhook: \"" + hook.URL + "/hook\"}\n"}
	src := `owners: owners.yaml
rules:
  - name: require-exception
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    filters: [{state: [running]}, {tag: SPECIAL_EXCEPTION, absent: true}]
    grace: 3d
    actions:
      - stop
      - tell-owner:
          problem: "{{.ResourceID}} runs without the SPECIAL_EXCEPTION tag"
          fix: "stop it, or tag it SPECIAL_EXCEPTION=until=YYYY-MM-DD;reason=WHY"
          exception: "ask cloud-ops@example.com"
          severity: high
          control: EC2-2
    mode: enforce
`
	set, err := rules.Load("dir/r.yaml", []byte(src), rules.Options{CheckAction: actions.Check, AllowLoopbackHTTP: true,
		ReadFile: func(p string) ([]byte, error) { return []byte(files[p]), nil }})
	if err != nil {
		t.Fatal(err)
	}
	api := awsapi.New()
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	eng, err := engine.New(engine.Config{Rules: set, Inventory: api, Marker: api, Now: func() time.Time { return now },
		NewAction: (&Factory{API: api, Poll: 10, Owners: set.Owners, Webhooks: &owner.Webhooks{AllowLoopbackHTTP: true}}).New})
	if err != nil {
		t.Fatal(err)
	}

	alices := f.Run(map[string]string{"Owner": "alice", "PrincipalId": "AIDAALICE"}, false)
	ds := eng.Handle(f.Ctx, stateChangeEvent(t, "e-1", alices, "running"))
	if len(ds) != 2 || ds[1].Outcome != engine.Applied || ds[1].Reason != "told owner alice: webhook "+hook.URL+"/…" {
		t.Fatalf("alice's: %+v", ds)
	}
	got := bodies()
	if len(got) != 1 || got[0]["owner"] != "alice" || got[0]["due"] != "2026-12-06T10:00:00Z" || got[0]["action"] != "stop" ||
		got[0]["severity"] != "high" || got[0]["control"] != "EC2-2" || got[0]["problem"] != alices+" runs without the SPECIAL_EXCEPTION tag" ||
		!strings.Contains(got[0]["text"].(string), "What will happen: stop on Sun 6 Dec 2026 10:00 UTC if it still fails then.\nHow to fix it: stop it, or tag it SPECIAL_EXCEPTION=until=YYYY-MM-DD;reason=WHY.\nTo ask for an exception: ask cloud-ops@example.com.") {
		t.Fatalf("alice's webhook got %v", got)
	}

	// Fixed in time: the pending stop is cancelled and the owner told so.
	if _, err := f.EC2.CreateTags(f.Ctx, &ec2.CreateTagsInput{Resources: []string{alices}, Tags: []ec2types.Tag{{Key: aws.String("SPECIAL_EXCEPTION"), Value: aws.String("until=2027-01-31")}}}); err != nil {
		t.Fatal(err)
	}
	ds = eng.Handle(f.Ctx, stateChangeEvent(t, "e-1b", alices, "running"))
	if len(ds) != 2 || !strings.Contains(ds[0].Reason, "the pending actions are cancelled") || ds[1].Action != "tell-owner" || ds[1].Outcome != engine.Applied {
		t.Fatalf("fixed: %+v", ds)
	}
	got = bodies()
	if len(got) != 2 || got[1]["cleared"] != true || !strings.Contains(got[1]["text"].(string), "no longer fails rule require-exception: the pending stop is cancelled.") {
		t.Fatalf("the cancellation told %v", got[1:])
	}

	nobodys := f.Run(nil, false)
	ds = eng.Handle(f.Ctx, stateChangeEvent(t, "e-2", nobodys, "running"))
	if len(ds) != 2 || ds[1].Outcome != engine.Applied || ds[1].Reason != "told the owner map's fallback: sns "+topic {
		t.Fatalf("nobody's: %+v", ds)
	}
	if notes := received(2); len(notes) != 1 || notes[0].Subject != "ec2guard: instance "+nobodys+" fails require-exception: stop on 2026-12-06 10:00 UTC" {
		t.Fatalf("the fallback got %+v", notes)
	}
}
