package act

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
)

// An off-hours schedule on moto through the real SDK: the rule's stop and start run at the
// instants the schedule says, and a person's manual stop is respected until the next
// scheduled start. The clock is injected; the instance's StateTransitionTime is moto's (the
// real time), so the schedule's times are set around it: the start 5 minutes ago, the stop
// in 5 hours, in Paris.
func TestScheduleOnMoto(t *testing.T) {
	f := newFleet(t)
	paris, _ := time.LoadLocation("Europe/Paris")
	c0 := time.Now().In(paris).Truncate(time.Minute)
	on, off := c0.Add(-5*time.Minute), c0.Add(5*time.Hour)
	src := `rules:
  - name: office-hours
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running, stopped]}}
    schedule: {tag: "ec2guard:schedule"}
    actions: [stop, start]
    mode: enforce
`
	var now time.Time
	eng := newEngine(t, src, nil, func(c *engine.Config) {
		c.Now = func() time.Time { return now }
		c.Inventory = awsapi.New() // awsapi's reader: it reads the StateTransitionTime a schedule needs
	})
	id := f.Run(map[string]string{"ec2guard:schedule": fmt.Sprintf("on=%s off=%s tz=Europe/Paris", on.Format("15:04"), off.Format("15:04"))}, false)

	step := 0
	judge := func(at time.Time, want, state string) {
		t.Helper()
		step++
		now = at
		var got []string
		for _, d := range eng.Handle(f.Ctx, stateChangeEvent(t, fmt.Sprintf("e-%d", step), id, f.State(id))) {
			if d.Outcome == engine.Skipped {
				got = append(got, "skipped: "+d.Reason)
			} else {
				got = append(got, d.Action+" "+string(d.Outcome))
			}
		}
		if g := strings.Join(got, "; "); !strings.Contains(g, want) || f.State(id) != state {
			t.Errorf("step %d at %s: %q, %s; want %q, %s", step, at.Format(time.RFC3339), g, f.State(id), want, state)
		}
	}
	judge(c0, "skipped: schedule", "running") // running since the start
	f.Stop(id)                                // by a person, after the scheduled start
	judge(c0, "stopped by hand", "stopped")
	judge(off.Add(time.Minute), "stopped since the scheduled stop", "stopped")
	judge(on.Add(24*time.Hour), "start applied", "running") // the next scheduled start
	judge(off.Add(24*time.Hour+time.Minute), "stop applied", "stopped")
}
