package calendar

import (
	"testing"
	"time"
)

func FuzzParseICS(f *testing.F) {
	f.Add([]byte(frenchICS))
	f.Add([]byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20240229\nRRULE:FREQ=YEARLY;COUNT=3;INTERVAL=4\nEND:VEVENT\nEND:VCALENDAR"))
	f.Add([]byte("BEGIN:VEVENT\nDTSTART:00010101\nDTEND:99991231\nEND:VEVENT"))
	f.Add([]byte("X;A=\"b:c\":d\n e"))
	f.Fuzz(func(t *testing.T, src []byte) {
		c, err := ParseICS("f", time.UTC, src)
		if err != nil {
			if c != nil {
				t.Fatal("a calendar with an error")
			}
			return
		}
		// Whatever it read, asking about days and graces stays bounded.
		d := Date{2026, time.December, 31}
		for range 40 {
			c.Holiday(d)
			d = d.AddDays(-9)
		}
		g, _ := BusinessGrace(5, "f")
		_, _ = g.Due(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), c)
	})
}

func FuzzParseGrace(f *testing.F) {
	for _, s := range []string{"3d", "1d12h", "90m", "0", "", "12h30m", "366d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := ParseGrace(s)
		if err != nil {
			return
		}
		again, err := ParseGrace(g.String())
		if err != nil || again != g {
			t.Fatalf("%q → %v → %v, %v", s, g, again, err)
		}
	})
}
