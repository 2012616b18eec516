package act

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/faultproxy"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/ledger"
)

// The seeds' notifications tell what the rule's action did, on moto through the real SDK:
// what the managers' queue receives is read back.
func TestSeedNotificationsTellTheTruth(t *testing.T) {
	seeds, err := os.ReadFile("../examples/seeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f := newFleet(t)
	topic, received := inbox(t, f, "managers")
	seedEngine := func(tweak func(*engine.Config)) *engine.Engine {
		return newEngine(t, string(seeds), map[string]string{"topic": topic}, tweak)
	}
	// handle returns the outcomes and reasons of the event's decisions.
	handle := func(eng *engine.Engine, id, instance, state string) []engine.Decision {
		t.Helper()
		ds := eng.Handle(f.Ctx, stateChangeEvent(t, id, instance, state))
		if len(ds) != 2 || ds[1].Action != "notify" {
			t.Fatalf("decisions %+v", ds)
		}
		return ds
	}
	// one is the one notification the queue received.
	one := func() (envelope, map[string]any) {
		t.Helper()
		got := received(2)
		if len(got) != 1 {
			t.Fatalf("received %d notifications, want 1: %+v", len(got), got)
		}
		_, body, _ := strings.Cut(got[0].Message, "\n\n")
		var machine map[string]any
		if err := json.Unmarshal([]byte(body), &machine); err != nil {
			t.Fatalf("body %q: %v", body, err)
		}
		return got[0], machine
	}

	t.Run("stale stopped event for a running protected instance: nothing is sent", func(t *testing.T) {
		id := f.Run(map[string]string{"Protected": "true"}, false)
		ds := handle(seedEngine(nil), "stale", id, "stopped")
		if ds[0].Outcome != engine.Skipped || ds[1].Outcome != engine.Skipped ||
			ds[1].Reason != "not sent: every earlier action of the rule was skipped, so nothing was done (start skipped: "+id+" is running: nothing to start); always: true sends it anyway" {
			t.Fatalf("%+v", ds)
		}
		if got := received(1); len(got) != 0 {
			t.Fatalf("the managers were told %+v", got)
		}
		// The real stop is told as it is.
		f.Stop(id)
		if ds := handle(seedEngine(nil), "real", id, "stopped"); ds[0].Outcome != engine.Applied || ds[1].Outcome != engine.Applied {
			t.Fatalf("%+v", ds)
		}
		if n, body := one(); n.Subject != "ec2guard: protected instance "+id+" was stopped and is being started" || body["outcome"] != "applied" {
			t.Fatalf("subject %q, body %v", n.Subject, body)
		}
	})

	t.Run("the per-minute cap held the stop back", func(t *testing.T) {
		eng := seedEngine(func(c *engine.Config) { c.MaxPerMinute = 1 })
		first, second := f.Run(nil, false), f.Run(nil, false)
		handle(eng, "run-1", first, "running")
		if n, _ := one(); n.Subject != "ec2guard: instance "+first+" violated company policy and was stopped" {
			t.Fatalf("subject %q", n.Subject)
		}
		ds := handle(eng, "run-2", second, "running")
		if ds[0].Outcome != engine.Suppressed || ds[1].Outcome != engine.Applied {
			t.Fatalf("%+v", ds)
		}
		n, body := one()
		if n.Subject != "ec2guard: instance "+second+" violated company policy - not stopped: held back" {
			t.Errorf("subject %q", n.Subject)
		}
		if !strings.HasPrefix(n.Message, "ec2guard held back actions on "+second+": stop: blast radius: 1 mutating action in the last minute already (cap 1)") ||
			!strings.Contains(n.Message, ": stop held back: blast radius") || strings.Contains(n.Message, "acted on") {
			t.Errorf("message %q", n.Message)
		}
		if body["outcome"] != "held back" || len(body["suppressed"].([]any)) != 1 {
			t.Errorf("body %v", body)
		}
		if f.State(second) != "running" {
			t.Errorf("%s is %s", second, f.State(second))
		}
	})

	t.Run("a stop the instance's stop protection refused is told", func(t *testing.T) {
		id := f.Run(nil, false)
		if _, err := f.EC2.ModifyInstanceAttribute(f.Ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &id, DisableApiStop: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
			t.Fatal(err)
		}
		ds := handle(seedEngine(nil), "guarded", id, "running")
		if ds[0].Outcome != engine.Skipped || ds[1].Outcome != engine.Applied {
			t.Fatalf("%+v", ds)
		}
		n, body := one()
		if n.Subject != "ec2guard: instance "+id+" violated company policy - not stopped: skipped" || !strings.Contains(n.Message, "stop skipped: "+id+" has stop protection") {
			t.Errorf("subject %q\nmessage %q", n.Subject, n.Message)
		}
		if body["outcome"] != "skipped" || f.State(id) != "running" {
			t.Errorf("body %v, state %s", body, f.State(id))
		}
	})

	t.Run("a consumer started the instance and died before recording it: the retry tells it may be done", func(t *testing.T) {
		mototest.StateTable(t, "ec2guard-state")
		table := ledger.NewDynamo(awsapi.New().Table("ec2guard-state"))
		id := f.Run(map[string]string{"Protected": "true"}, false) // stopped, then started by the dead consumer
		now := time.Now()
		// The dead consumer's claim on the start, its lease over.
		if st, err := table.Claim(f.Ctx, "died|restart-protected|0:start|instance:"+id, "dead", now.Add(-time.Hour), time.Minute); st != engine.Claimed || err != nil {
			t.Fatalf("%v %v", st, err)
		}
		ds := handle(seedEngine(func(c *engine.Config) { c.Ledger, c.Budget = table, table }), "died", id, "stopped")
		if ds[0].Outcome != engine.Skipped || !strings.HasSuffix(ds[0].Reason, engine.EarlierAttempt) || ds[1].Outcome != engine.Applied {
			t.Fatalf("%+v", ds)
		}
		n, body := one()
		if n.Subject != "ec2guard: protected instance "+id+" was stopped - not started: maybe done earlier" {
			t.Errorf("subject %q", n.Subject)
		}
		if !strings.HasPrefix(n.Message, "ec2guard found nothing left to do on "+id+": start: "+id+" is running: nothing to start; "+engine.EarlierAttempt+".\n") {
			t.Errorf("message %q", n.Message)
		}
		if body["outcome"] != "maybe done earlier" {
			t.Errorf("body %v", body)
		}
		// A stale event nobody claimed still tells nothing.
		ds = handle(seedEngine(func(c *engine.Config) { c.Ledger, c.Budget = table, table }), "stale-2", id, "stopped")
		if ds[0].Outcome != engine.Skipped || ds[1].Outcome != engine.Skipped {
			t.Fatalf("%+v", ds)
		}
		if got := received(1); len(got) != 0 {
			t.Fatalf("the managers were told %+v", got)
		}
	})

	t.Run("a failed start", func(t *testing.T) {
		id := f.Run(map[string]string{"Protected": "true"}, true)
		proxy, err := faultproxy.Start(mototest.Current(t).Endpoint, 1, faultproxy.Rule{Service: "ec2", Operation: "StartInstances", Rate: 1, Faults: []faultproxy.Fault{faultproxy.Denied}})
		if err != nil {
			t.Fatal(err)
		}
		defer proxy.Close()
		t.Setenv("AWS_ENDPOINT_URL", proxy.URL) // the engine's clients go through the proxy
		ds := handle(seedEngine(nil), "denied", id, "stopped")
		if ds[0].Outcome != engine.Failed || ds[1].Outcome != engine.Applied {
			t.Fatalf("%+v", ds)
		}
		n, body := one()
		if n.Subject != "ec2guard: protected instance "+id+" was stopped - not started: failed" {
			t.Errorf("subject %q", n.Subject)
		}
		if !strings.HasPrefix(n.Message, "ec2guard could not complete actions on "+id+": start: ") || !strings.Contains(n.Message, ": start failed: ") {
			t.Errorf("message %q", n.Message)
		}
		if body["outcome"] != "failed" || len(body["failed"].([]any)) != 1 {
			t.Errorf("body %v", body)
		}
		if f.State(id) != "stopped" {
			t.Errorf("%s is %s", id, f.State(id))
		}
	})

	t.Run("dry run", func(t *testing.T) {
		id := f.Run(map[string]string{"Protected": "true"}, true)
		ds := handle(seedEngine(func(c *engine.Config) { c.DryRun = true }), "dry", id, "stopped")
		if ds[0].Outcome != engine.DryRun || ds[1].Outcome != engine.DryRun ||
			ds[1].Reason != `would publish "ec2guard: protected instance `+id+` was stopped and would be started (dry run)" to `+topic {
			t.Fatalf("%+v", ds)
		}
		if got := received(1); len(got) != 0 {
			t.Fatalf("a dry run published %+v", got)
		}
		if f.State(id) != "stopped" {
			t.Errorf("%s is %s", id, f.State(id))
		}
	})
}

// always: true sends the notification of a rule whose every action found nothing to do.
func TestNotifyAlways(t *testing.T) {
	f := newFleet(t)
	topic, received := inbox(t, f, "always")
	id := f.Run(nil, false)
	in := inv(id, "instance", false, stateChangeEvent(t, "e1", id, "stopped"))
	in.Earlier = []engine.Step{{Action: "start", Mutating: true, Outcome: engine.Skipped, Reason: id + " is running: nothing to start"}}
	if r := build(t, "notify", map[string]any{"topic": topic}).Do(f.Ctx, in); r.Outcome != engine.Skipped || !strings.HasPrefix(r.Reason, "not sent: ") {
		t.Fatalf("without always: %+v", r)
	}
	if r := build(t, "notify", map[string]any{"topic": topic, "always": true}).Do(f.Ctx, in); r.Outcome != engine.Applied {
		t.Fatalf("with always: %+v", r)
	}
	got := received(2)
	if len(got) != 1 || got[0].Subject != "ec2guard: r on "+id+": skipped" || !strings.Contains(got[0].Message, "start skipped: "+id+" is running: nothing to start") {
		t.Fatalf("received %+v", got)
	}
}
