package act

import (
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/ledger"
	"github.com/ec2guard/ec2guard/source"
)

// nextChange is the first instant after t at which loc's UTC offset changes (a DST change).
func nextChange(t *testing.T, loc *time.Location, after time.Time) time.Time {
	t.Helper()
	at := after.Truncate(time.Hour)
	for range 2 * 366 * 24 {
		_, o1 := at.In(loc).Zone()
		_, o2 := at.Add(time.Hour).In(loc).Zone()
		if o1 != o2 {
			return at.Add(time.Hour)
		}
		at = at.Add(time.Hour)
	}
	t.Fatalf("%s has no DST change in two years after %s", loc, after)
	return time.Time{}
}

// The off-hours schedule across Paris's next two DST changes, on moto through the real SDK:
// scans (what the deployed function runs on its EventBridge schedule) of two engines sharing
// the DynamoDB state table, one clock injected into both, stop the instance at 19:00 and start
// it at 08:00 Paris time — instants an hour nearer or farther apart in UTC across the change —
// and a person's stop after the scheduled start is left alone until the next one.
//
// moto stamps the instance's state transitions with the real clock (its StateTransitionReason,
// "User initiated (... UTC)"), which no API of moto 5.2 sets, so the instance's
// StateTransitionTime is before every injected instant: it cannot tell the person's stop from
// an old one. The engine tells it from its own record instead: the state table says ec2guard
// took this morning's start, so a stopped instance now was stopped by someone else. The
// changes chosen are the next ones after the real time, so the injected clock stays ahead of
// moto's whenever the test runs.
func TestScheduleAcrossDSTOnMoto(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	first := nextChange(t, paris, time.Now().Add(48*time.Hour))
	for _, change := range []time.Time{first, nextChange(t, paris, first.Add(48*time.Hour))} {
		_, before := change.Add(-time.Hour).In(paris).Zone()
		_, after := change.In(paris).Zone()
		t.Run(change.In(paris).Format("2006-01-02 MST"), func(t *testing.T) {
			scheduleAcrossDST(t, paris, change, time.Duration(after-before)*time.Second)
		})
	}
}

func scheduleAcrossDST(t *testing.T, paris *time.Location, change time.Time, shift time.Duration) {
	f := newFleet(t)
	mototest.StateTable(t, "ec2guard-state")
	src := `schedules:
  office-hours: {off: "19:00", on: "08:00", timezone: Europe/Paris}
rules:
  - name: office-hours
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running, stopped]}}
    schedule: {tag: "ec2guard:schedule"}
    actions: [stop, start]
    mode: enforce
`
	var now time.Time
	clock := func() time.Time { return now }
	api := awsapi.New()
	scanners := make([]*source.Scanner, 2) // two processes, one state table
	for i := range scanners {
		eng := newEngine(t, src, nil, func(c *engine.Config) {
			c.Now, c.Inventory = clock, api
			c.Ledger = ledger.NewDynamo(api.Table("ec2guard-state"))
		})
		scanners[i] = &source.Scanner{Lister: api, Engine: eng, Regions: []string{"us-east-1"}, Now: clock}
	}
	id := f.Run(map[string]string{"ec2guard:schedule": "office-hours"}, false)

	// The day before the change, its day (the change is at 02:00 or 03:00, before 08:00), the next.
	day := change.In(paris)
	local := func(days, hour, minute int) time.Time {
		return time.Date(day.Year(), day.Month(), day.Day()+days, hour, minute, 0, 0, paris)
	}
	step := 0
	scan := func(at time.Time, want, state string) {
		t.Helper()
		now = at
		s := scanners[step%2]
		step++
		var got []string
		if _, err := s.Run(f.Ctx, func(ds []engine.Decision) error {
			for _, d := range ds {
				if d.Resource != id {
					continue
				}
				if d.Outcome == engine.Skipped {
					got = append(got, "skipped: "+d.Reason)
				} else {
					got = append(got, d.Action+" "+string(d.Outcome))
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if g := strings.Join(got, "; "); !strings.Contains(g, want) || f.State(id) != state {
			t.Errorf("step %d at %s (%s): %q, %s; want %q, %s", step, at.In(paris).Format("Mon 2006-01-02 15:04 MST"), at.UTC().Format("15:04Z"), g, f.State(id), want, state)
		}
	}
	const office = "off=19:00;on=08:00;tz=Europe/Paris" // the schedule as a record words it
	clockOf := func(at time.Time) string { return at.In(paris).Format("2006-01-02 15:04 MST") }

	scan(local(-1, 18, 59), "skipped: schedule "+office+": running since the scheduled start at "+clockOf(local(-1, 8, 0)), "running")
	scan(local(-1, 19, 0), "stop applied", "stopped")
	scan(local(0, 7, 59), "skipped: schedule "+office+": stopped since the scheduled stop at "+clockOf(local(-1, 19, 0)), "stopped")
	scan(local(0, 8, 0), "start applied", "running")
	// The day's start is 24 hours after the day before's, less the hour the clocks went forward
	// (or more the hour they went back): 06:00Z after 07:00Z in spring, 07:00Z after 06:00Z in autumn.
	if got := local(0, 8, 0).Sub(local(-1, 8, 0)); got != 24*time.Hour-shift {
		t.Errorf("the starts across the change are %s apart, want %s", got, 24*time.Hour-shift)
	}

	f.Stop(id) // by a person, after the scheduled start; moto stamps it with the real time
	scan(local(0, 10, 0), "skipped: schedule "+office+": stopped by someone else (ec2guard's ledger records its start), after the scheduled start at "+
		clockOf(local(0, 8, 0))+": left alone until the scheduled start at "+clockOf(local(1, 8, 0)), "stopped")
	scan(local(0, 19, 0), "stopped since the scheduled stop at "+clockOf(local(0, 19, 0)), "stopped")
	scan(local(1, 7, 59), "stopped since the scheduled stop", "stopped")
	scan(local(1, 8, 0), "start applied", "running") // the next scheduled start
	scan(local(1, 18, 59), "running since the scheduled start at "+clockOf(local(1, 8, 0)), "running")
	scan(local(1, 19, 0), "stop applied", "stopped")
	if t.Failed() {
		t.Logf("transitions in UTC: %s, %s, %s", local(-1, 19, 0).UTC(), local(0, 8, 0).UTC(), local(1, 8, 0).UTC())
	}
}
