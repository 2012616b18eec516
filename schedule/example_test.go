package schedule_test

import (
	"fmt"
	"time"

	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/schedule"
)

func Example() {
	office, _ := schedule.Resolve("off=19:00;on=08:00;tz=Europe/Paris;days=mon-fri", nil, nil)
	paris := office.Location
	now := time.Date(2026, 3, 30, 8, 0, 0, 0, paris) // the Monday after the clocks went forward

	d := office.Decide(now, resource.Stopped, time.Date(2026, 3, 27, 19, 1, 0, 0, paris))
	fmt.Println(d.Action, "-", d.Reason)

	// Someone stopped it by hand at 09:30: left alone until the next morning.
	d = office.Decide(now.Add(2*time.Hour), resource.Stopped, now.Add(90*time.Minute))
	fmt.Println(d.Action, "-", d.Reason)
	// Output:
	// start - stopped, after the scheduled start at 2026-03-30 08:00 CEST
	// leave - stopped by hand at 2026-03-30 09:30 CEST, after the scheduled start at 2026-03-30 08:00 CEST: left alone until the scheduled start at 2026-03-31 08:00 CEST
}
