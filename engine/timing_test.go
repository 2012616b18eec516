package engine

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

const timingRules = `rules:
  - name: stop-untagged
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    min-age: 10m
    exceptions:
      - {tag: SPECIAL_EXCEPTION, reason: tagged by its owner}
      - {id: [i-migrating], reason: migration, until: 2026-11-30}
      - {principal: [AIDAALICE], reason: alice runs the load tests}
    actions: [stop]
    mode: enforce
`

// A rule's min-age and exceptions, judged after its filters on the resource as read.
func TestTiming(t *testing.T) {
	set, err := rules.Load("r.yaml", []byte(timingRules), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	inst := func(id string, age time.Duration, tags map[string]string) *Resource {
		return &Resource{Ref: resource.Ref{Kind: resource.Instance, ID: id}, Exists: true, State: resource.Running, Tags: tags,
			Attrs: map[string]any{"LaunchTime": now.Add(-age)}}
	}
	inv := &inventory{res: map[string]*Resource{
		"i-young":     inst("i-young", 9*time.Minute, nil),
		"i-old":       inst("i-old", 11*time.Minute, nil),
		"i-excepted":  inst("i-excepted", time.Hour, map[string]string{"SPECIAL_EXCEPTION": "until=2026-12-31;reason=demo"}),
		"i-lapsed":    inst("i-lapsed", time.Hour, map[string]string{"SPECIAL_EXCEPTION": "until=2026-11-01"}),
		"i-typo":      inst("i-typo", time.Hour, map[string]string{"SPECIAL_EXCEPTION": "untill=2026-12-31"}),
		"i-migrating": inst("i-migrating", time.Hour, nil),
		"i-alice":     inst("i-alice", time.Hour, map[string]string{"PrincipalId": "AIDAALICE"}),
	}}
	var logs bytes.Buffer
	eng, err := New(Config{
		Rules: set, Inventory: inv, Now: func() time.Time { return now },
		NewAction: func(s rules.ActionSpec) (Action, error) { return &recorder{name: s.Name, mutating: true}, nil },
		Logger:    slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id      string
		outcome Outcome
		reason  string
		log     string
	}{
		{"i-young", Skipped, "younger than the rule's min-age 10m0s (created 2026-12-01T09:51:00Z): judged again once older", ""},
		{"i-old", Applied, "", ""},
		{"i-excepted", Skipped, "exception by tag SPECIAL_EXCEPTION until 2027-01-01T00:00:00Z (demo)", ""},
		{"i-lapsed", Applied, "", "status=expired"},
		{"i-typo", Applied, "", "status=invalid"},
		{"i-migrating", Applied, "", "exception by id i-migrating expired 2026-12-01T00:00:00Z (migration)"},
		{"i-alice", Skipped, "exception by principal AIDAALICE (alice runs the load tests)", ""},
	} {
		logs.Reset()
		d := one(t, eng.Handle(t.Context(), stateEvent("e-"+tc.id, tc.id, "running")))
		if d.Outcome != tc.outcome || !strings.Contains(d.Reason, tc.reason) || !strings.Contains(logs.String(), tc.log) {
			t.Errorf("%s: %s %q, log %q", tc.id, d.Outcome, d.Reason, logs.String())
		}
	}
}

// A rule with a grace needs a Marker to record its pending actions.
func TestGraceNeedsAMarker(t *testing.T) {
	src := strings.Replace(timingRules, "    min-age: 10m\n", "    grace: 3d\n", 1)
	set, err := rules.Load("r.yaml", []byte(src), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(Config{Rules: set, NewAction: func(s rules.ActionSpec) (Action, error) { return &recorder{name: s.Name}, nil }})
	if err == nil || !strings.Contains(err.Error(), "has a grace, which needs a Marker") {
		t.Errorf("New = %v", err)
	}
}

const scheduleRules = `schedules:
  office-hours: {off: "19:00", on: "08:00", timezone: Europe/Paris, days: mon-fri}
rules:
  - name: off-hours
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running, stopped]}}
    schedule: {tag: "ec2guard:schedule", default: office-hours}
    actions: [stop, start, notify]
    mode: enforce
`

// A rule's schedule picks which of its start and stop runs, or leaves the instance alone.
func TestSchedule(t *testing.T) {
	set, err := rules.Load("r.yaml", []byte(scheduleRules), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	ny, _ := time.LoadLocation("America/New_York")
	at := func(l *time.Location, s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, l)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var now time.Time
	inv := &inventory{res: map[string]*Resource{}}
	eng, err := New(Config{
		Rules: set, Inventory: inv, Now: func() time.Time { return now },
		NewAction: func(s rules.ActionSpec) (Action, error) {
			return &recorder{name: s.Name, mutating: s.Name != "notify"}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		name  string
		now   time.Time
		state resource.State
		since time.Time
		tags  map[string]string
		want  string // the actions run, or the skip reason
	}{
		{"Monday morning after the clocks went forward", at(paris, "2026-03-30 08:05"), resource.Stopped, at(paris, "2026-03-27 19:01"), nil, "start notify"},
		{"a minute early", at(paris, "2026-03-30 07:59"), resource.Stopped, at(paris, "2026-03-27 19:01"), nil, "stopped since the scheduled stop at 2026-03-27 19:00 CET"},
		{"a manual stop is respected", at(paris, "2026-03-30 10:00"), resource.Stopped, at(paris, "2026-03-30 09:30"), nil, "stopped by hand at 2026-03-30 09:30 CEST"},
		{"until the next scheduled start", at(paris, "2026-03-31 08:00"), resource.Stopped, at(paris, "2026-03-30 09:30"), nil, "start notify"},
		{"the evening stop", at(paris, "2026-03-30 19:05"), resource.Running, at(paris, "2026-03-30 08:01"), nil, "stop notify"},
		{"an inline schedule in the tag, New York after its change", at(ny, "2026-03-09 18:00"), resource.Running, at(ny, "2026-03-09 08:00"),
			map[string]string{"ec2guard:schedule": "off=17:30 tz=America/New_York"}, "stop notify"},
		{"a tag naming no schedule", at(paris, "2026-03-30 19:05"), resource.Running, at(paris, "2026-03-30 08:01"),
			map[string]string{"ec2guard:schedule": "weekend"}, `the instance's ec2guard:schedule tag: schedule "weekend": no schedule of that name`},
		{"read without its transition time", at(paris, "2026-03-30 19:05"), resource.Running, time.Time{}, nil, "read without its StateTransitionTime"},
	} {
		id := fmt.Sprintf("i-%d", i)
		now = tc.now
		inv.res[id] = &Resource{Ref: resource.Ref{Kind: resource.Instance, ID: id}, Exists: true, State: tc.state, Tags: tc.tags, Attrs: map[string]any{}}
		if !tc.since.IsZero() {
			inv.res[id].Attrs["StateTransitionTime"] = tc.since
		}
		ds := eng.Handle(t.Context(), stateEvent("e-"+id, id, string(tc.state)))
		var got []string
		for _, d := range ds {
			if d.Outcome == Skipped {
				got = append(got, d.Reason)
			} else {
				got = append(got, d.Action)
			}
		}
		if g := strings.Join(got, " "); !strings.Contains(g, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, g, tc.want)
		}
	}
}

// A schedule's transition is taken once per instance, and an instance changed after ec2guard
// took it is left alone until the next transition of the other kind — told by the ledger's
// record, whatever the instance's StateTransitionTime says (here it stays before every
// transition, as an AWS clock behind ec2guard's would leave it). Two engines share the ledger.
func TestScheduleTakenOnce(t *testing.T) {
	set, err := rules.Load("r.yaml", []byte(scheduleRules), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	var now time.Time
	inv := &inventory{res: map[string]*Resource{}}
	l := &mapLedger{m: map[string]string{}}
	newEngine := func() *Engine {
		eng, err := New(Config{Rules: set, Inventory: inv, Ledger: l, Now: func() time.Time { return now },
			NewAction: func(s rules.ActionSpec) (Action, error) {
				return &recorder{name: s.Name, mutating: s.Name != "notify"}, nil
			}})
		if err != nil {
			t.Fatal(err)
		}
		return eng
	}
	a, b := newEngine(), newEngine()
	old := time.Date(2026, 1, 5, 8, 0, 0, 0, paris) // the instance's transition time, long before
	for i, tc := range []struct {
		eng   *Engine
		now   string
		state resource.State
		want  string
	}{
		{a, "2026-03-27 19:05", resource.Running, "stop notify"}, // Friday's stop, CET
		{b, "2026-03-27 19:06", resource.Running, "started by someone else (ec2guard's ledger records its stop), after the scheduled stop at 2026-03-27 19:00 CET: left alone until the scheduled stop at 2026-03-30 19:00 CEST"},
		{a, "2026-03-28 12:00", resource.Running, "started by someone else"},
		{b, "2026-03-30 07:59", resource.Stopped, "stopped since the scheduled stop at 2026-03-27 19:00 CET"},
		{b, "2026-03-30 08:00", resource.Stopped, "start notify"}, // Monday's start, CEST: 06:00 UTC
		{a, "2026-03-30 10:00", resource.Stopped, "stopped by someone else (ec2guard's ledger records its start), after the scheduled start at 2026-03-30 08:00 CEST: left alone until the scheduled start at 2026-03-31 08:00 CEST"},
		{a, "2026-03-30 19:00", resource.Stopped, "stopped since the scheduled stop at 2026-03-30 19:00 CEST"},
		{b, "2026-03-31 08:01", resource.Stopped, "start notify"},
	} {
		now, _ = time.ParseInLocation("2006-01-02 15:04", tc.now, paris)
		inv.res["i-1"] = &Resource{Ref: resource.Ref{Kind: resource.Instance, ID: "i-1"}, Exists: true, State: tc.state, Attrs: map[string]any{"StateTransitionTime": old}}
		var got []string
		for _, d := range tc.eng.Handle(t.Context(), stateEvent(fmt.Sprint("e-", i), "i-1", string(tc.state))) {
			if d.Outcome == Skipped {
				got = append(got, d.Reason)
			} else {
				got = append(got, d.Action)
			}
		}
		if g := strings.Join(got, " "); !strings.Contains(g, tc.want) {
			t.Errorf("step %d at %s: %q, want %q", i, tc.now, g, tc.want)
		}
	}
	if k := "schedule|2026-03-30T06:00:00Z|off-hours|1:start|instance:i-1"; l.m[k] == "" {
		t.Errorf("the ledger has no key %s: %v", k, l.m)
	}
}
