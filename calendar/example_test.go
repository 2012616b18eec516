package calendar_test

import (
	"fmt"
	"time"

	"github.com/ec2guard/ec2guard/calendar"
)

func Example() {
	paris, _ := time.LoadLocation("Europe/Paris")
	fr, _ := calendar.FromDates("fr", paris, []string{"2026-12-25"})
	g, _ := calendar.BusinessGrace(2, "fr")
	due, _ := g.Due(time.Date(2026, 12, 23, 16, 0, 0, 0, paris), fr)
	fmt.Println(g, "from Wednesday 23 December 16:00 is due", due.Format("Monday 2 January 15:04 MST"))

	three, _ := calendar.ParseGrace("3d")
	due, _ = three.Due(time.Date(2026, 3, 27, 10, 0, 0, 0, paris), fr)
	fmt.Println(three, "from Friday 27 March 10:00 is due", due.Format("Monday 2 January 15:04 MST"))
	// Output:
	// 2 business days (fr) from Wednesday 23 December 16:00 is due Monday 28 December 16:00 CET
	// 3d from Friday 27 March 10:00 is due Monday 30 March 10:00 CEST
}
