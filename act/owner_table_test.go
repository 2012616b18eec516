package act

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/mototest"
	owner "github.com/ec2guard/ec2guard/notify"
	"github.com/ec2guard/ec2guard/rules"
)

// tell-owner with an owner map kept in a DynamoDB table, on moto through the real SDK: the
// owner the table names gets the message on their webhook (a loopback server), one it does
// not name goes to the fallback item's topic, and a malformed item is a failed record saying
// what is wrong with it. The rule has no filter: tell-owner itself asks for the tags it routes by.
func TestTellOwnerTableOnMoto(t *testing.T) {
	f := newFleet(t)
	topic, received := inbox(t, f, "ops")
	hook, bodies := jsonWebhook(t)
	mototest.OwnerTable(t, "ec2guard-owners",
		map[string]string{"owner": "AIDAALICE", "webhook": hook.URL + "/alice"},
		map[string]string{"owner": owner.FallbackKey, "sns": topic},
		map[string]string{"owner": "carol", "slack": "http://hooks.slack.com/services/T/B/X"},
	)
	src := `owners: {table: ec2guard-owners, topics: ["arn:aws:sns:us-east-1:123456789012:op*"]}
rules:
  - name: tell
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    actions:
      - tell-owner: {problem: "{{.ResourceID}} runs", severity: low}
    mode: enforce
`
	set, err := rules.Load("r.yaml", []byte(src), rules.Options{CheckAction: actions.Check})
	if err != nil {
		t.Fatal(err)
	}
	api := awsapi.New()
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	table := owner.NewTable(*set.OwnerTable, api, owner.Options{AllowLoopbackHTTP: true})
	eng, err := engine.New(engine.Config{Rules: set, Inventory: api, Now: func() time.Time { return now },
		NewAction: (&Factory{API: api, Owners: table, Webhooks: &owner.Webhooks{AllowLoopbackHTTP: true}}).New})
	if err != nil {
		t.Fatal(err)
	}

	alices := f.Run(map[string]string{"Owner": "alice", "PrincipalId": "AIDAALICE"}, false)
	if ds := eng.Handle(f.Ctx, stateChangeEvent(t, "e-1", alices, "running")); len(ds) != 1 || ds[0].Outcome != engine.Applied || ds[0].Reason != "told owner AIDAALICE: webhook "+hook.URL+"/…" {
		t.Fatalf("alice's: %+v", ds)
	}
	if got := bodies(); len(got) != 1 || got[0]["owner"] != "alice" {
		t.Errorf("alice's webhook got %v", got)
	}
	nobodys := f.Run(map[string]string{"Owner": "zed"}, false)
	if ds := eng.Handle(f.Ctx, stateChangeEvent(t, "e-2", nobodys, "running")); len(ds) != 1 || ds[0].Outcome != engine.Applied || ds[0].Reason != "told the owner map's fallback: sns "+topic {
		t.Fatalf("nobody's: %+v", ds)
	}
	if notes := received(2); len(notes) != 1 || !strings.Contains(notes[0].Subject, nobodys) {
		t.Fatalf("the fallback got %+v", notes)
	}
	carols := f.Run(map[string]string{"Owner": "carol"}, false)
	ds := eng.Handle(f.Ctx, stateChangeEvent(t, "e-3", carols, "running"))
	if len(ds) != 1 || ds[0].Outcome != engine.Failed || ds[0].Reason != "telling the owner (sent: nothing; failed: the owner map)" || !strings.Contains(ds[0].Error, `owner table ec2guard-owners: item "carol": slack: http://hooks.slack.com/… is http to a host that is not loopback`) {
		t.Fatalf("carol's: %+v", ds)
	}
}

// jsonWebhook is a loopback server taking the generic webhook's JSON bodies, and what it got.
func jsonWebhook(t *testing.T) (*httptest.Server, func() []map[string]any) {
	var mu sync.Mutex
	var bodies []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		bodies = append(bodies, m)
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	return hook, func() []map[string]any {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(bodies)
	}
}
