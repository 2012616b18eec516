package schedule

import (
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/calendar"
	"github.com/ec2guard/ec2guard/resource"
)

// A scan decides every scheduled instance: Decide with a holiday calendar, at an instant
// after a weekend (the last transition is days back).
func BenchmarkDecide(b *testing.B) {
	paris, _ := LoadLocation("Europe/Paris")
	fr, _ := calendar.FromDates("fr", paris, []string{"2026-12-25", "2027-01-01", "2026-11-11"})
	s, err := Spec{Off: "19:00", On: "08:00", Days: "mon-fri", Holidays: "fr"}.Compile("office", func(string) (*calendar.Calendar, bool) { return fr, true })
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 28, 7, 30, 0, 0, paris) // Monday after Christmas, before the start
	since := time.Date(2026, 12, 24, 19, 1, 0, 0, paris)
	b.ReportAllocs()
	for b.Loop() {
		if d := s.Decide(now, resource.Stopped, since); d.Action != Leave {
			b.Fatal(d)
		}
	}
}
