package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func at(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const frenchICS = "BEGIN:VCALENDAR\r\n" +
	"VERSION:2.0\r\n" +
	"PRODID:-//test//EN\r\n" +
	"BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n" +
	"BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20260101\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Jour de l'an\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:2\r\nDTSTART;VALUE=DATE:20260501\r\nRRULE:FREQ=YEARLY;BYMONTH=5;BYMONTHDAY=1\r\nSUMMARY:F\r\n ete du travail\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:3\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261227\r\nSUMMARY:Christmas break\r\n" +
	"BEGIN:VALARM\r\nDTSTART;VALUE=DATE:20300101\r\nEND:VALARM\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:4\r\nDTSTART;VALUE=DATE:20260406\r\nSUMMARY:Easter Monday 2026\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:5\r\nDTSTART;VALUE=DATE:20260714\r\nRRULE:FREQ=YEARLY;COUNT=2\r\nEXDATE;VALUE=DATE:20270714\r\nSUMMARY:Bastille\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:6\r\nDTSTART;VALUE=DATE:20260810\r\nDURATION:P1W\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:7\r\nDTSTART;VALUE=DATE:20261231\r\nDTEND;VALUE=DATE:20270103\r\nRRULE:FREQ=YEARLY;INTERVAL=2;UNTIL=20301231\r\nSUMMARY:Bridge\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:8\r\nDTSTART;VALUE=DATE:20240229\r\nRRULE:FREQ=YEARLY;COUNT=2\r\nSUMMARY:Leap\r\nEND:VEVENT\r\n" +
	"END:VCALENDAR\r\n"

func TestICSHolidays(t *testing.T) {
	c, err := ParseICS("fr", mustLoc(t, "Europe/Paris"), []byte(frenchICS))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		date    string
		holiday bool
		summary string
	}{
		{"2026-01-01", true, "Jour de l'an"},
		{"2031-01-01", true, "Jour de l'an"},    // yearly, no end
		{"2025-01-01", false, ""},               // before the first occurrence
		{"2026-05-01", true, "Fete du travail"}, // folded line unfolded
		{"2026-12-24", true, "Christmas break"},
		{"2026-12-26", true, "Christmas break"},
		{"2026-12-27", false, ""},            // DTEND is exclusive
		{"2030-01-01", true, "Jour de l'an"}, // the alarm's DTSTART is not the event's
		{"2026-04-06", true, "Easter Monday 2026"},
		{"2027-03-29", false, ""},
		{"2026-07-14", true, "Bastille"},
		{"2027-07-14", false, ""},      // EXDATE
		{"2028-07-14", false, ""},      // COUNT=2: 2026 and the excluded 2027
		{"2026-08-12", false, ""},      // cancelled
		{"2027-01-02", true, "Bridge"}, // crosses the new year
		{"2028-01-02", false, ""},      // INTERVAL=2: 2026, 2028, 2030
		{"2029-01-02", true, "Bridge"},
		{"2031-01-02", true, "Bridge"}, // 2030's occurrence starts before UNTIL
		{"2033-01-02", false, ""},
		{"2024-02-29", true, "Leap"},
		{"2028-02-29", true, "Leap"}, // COUNT counts the leap years only
		{"2032-02-29", false, ""},
		{"2025-03-01", false, ""},
	} {
		d, _ := ParseDate(tc.date)
		sum, ok := c.Holiday(d)
		if ok != tc.holiday || sum != tc.summary {
			t.Errorf("Holiday(%s) = %q, %v; want %q, %v", tc.date, sum, ok, tc.summary, tc.holiday)
		}
	}
}

func TestICSErrors(t *testing.T) {
	wrap := func(body string) string {
		return "BEGIN:VCALENDAR\nBEGIN:VEVENT\n" + body + "\nEND:VEVENT\nEND:VCALENDAR\n"
	}
	for _, tc := range []struct {
		src, want string
		line      int
	}{
		{wrap("DTSTART:20260101T090000Z"), "only all-day events", 3},
		{wrap("DTSTART;VALUE=DATE:2026011"), "is not a date", 3},
		{wrap("DTSTART;VALUE=DATE:20260101\nRRULE:FREQ=WEEKLY"), "FREQ: WEEKLY is not supported", 4},
		{wrap("DTSTART;VALUE=DATE:20260101\nRRULE:FREQ=YEARLY;BYDAY=MO"), "BYDAY is not supported", 4},
		{wrap("DTSTART;VALUE=DATE:20260101\nRRULE:FREQ=YEARLY;BYMONTH=2"), "BYMONTH: 2 other than", 4},
		{wrap("DTSTART;VALUE=DATE:20260101\nRRULE:FREQ=YEARLY;COUNT=0"), "COUNT", 4},
		{wrap("DTSTART;VALUE=DATE:20260101\nDTEND;VALUE=DATE:20260101"), "is not after", 2},
		{wrap("DTSTART;VALUE=DATE:20260101\nDTEND;VALUE=DATE:20280101\nRRULE:FREQ=YEARLY"), "at most 365 days", 5},
		{wrap("SUMMARY:x"), "no DTSTART", 2},
		{wrap("DTSTART;VALUE=DATE:20260101\nDURATION:PT1H"), "days or weeks", 4},
		{wrap("DTSTART;VALUE=DATE:20260101\nRDATE;VALUE=DATE:20260102"), "RDATE", 4},
		{"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\n", "never closed", 4},
		{"BEGIN:VCALENDAR\nEND:VEVENT\n", "closes no open", 2},
		{"BEGIN:VCALENDAR\nno colon here\nEND:VCALENDAR", "NAME:VALUE", 2},
	} {
		_, err := ParseICS("x", nil, []byte(tc.src))
		var ie *ICSError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) || ie.Line != tc.line {
			t.Errorf("ParseICS(%q) = %v; want line %d: ...%s", tc.src, err, tc.line, tc.want)
		}
	}
}

func TestFromDates(t *testing.T) {
	c, err := FromDates("us", nil, []string{"2026-11-26", "2026-12-25", "2026-07-03"})
	if err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string]bool{"2026-11-26": true, "2026-11-27": false, "2026-07-03": true, "2026-12-25": true} {
		dd, _ := ParseDate(d)
		if _, got := c.Holiday(dd); got != want {
			t.Errorf("Holiday(%s) = %v", d, got)
		}
	}
	if _, err := FromDates("us", nil, []string{"2026-13-01"}); err == nil || !strings.Contains(err.Error(), "YYYY-MM-DD") {
		t.Errorf("bad date: %v", err)
	}
}

func TestGraceDue(t *testing.T) {
	paris := mustLoc(t, "Europe/Paris")
	ny := mustLoc(t, "America/New_York")
	fr, err := FromDates("fr", paris, []string{"2026-12-25", "2027-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	us, _ := FromDates("us", ny, []string{"2026-11-26"})
	for _, tc := range []struct {
		name  string
		grace string // ParseGrace, or "bN" for N business days
		cal   *Calendar
		from  time.Time
		want  time.Time
		hours float64 // elapsed, when not zero
	}{
		{"3d in UTC", "3d", nil, at(t, time.UTC, "2026-03-27 10:00"), at(t, time.UTC, "2026-03-30 10:00"), 72},
		{"3d across Paris spring forward is 71h", "3d", fr, at(t, paris, "2026-03-27 10:00"), at(t, paris, "2026-03-30 10:00"), 71},
		{"3d across Paris fall back is 73h", "3d", fr, at(t, paris, "2026-10-23 10:00"), at(t, paris, "2026-10-26 10:00"), 73},
		{"72h across Paris spring forward", "72h", fr, at(t, paris, "2026-03-27 10:00"), at(t, paris, "2026-03-30 11:00"), 72},
		{"1d12h", "1d12h", nil, at(t, time.UTC, "2026-01-01 00:00"), at(t, time.UTC, "2026-01-02 12:00"), 36},
		{"90m", "90m", nil, at(t, time.UTC, "2026-01-01 00:00"), at(t, time.UTC, "2026-01-01 01:30"), 1.5},
		{"Friday + 2 business days", "b2", nil, at(t, time.UTC, "2026-12-04 15:00"), at(t, time.UTC, "2026-12-08 15:00"), 0},
		{"Saturday + 1 business day", "b1", nil, at(t, time.UTC, "2026-12-05 10:00"), at(t, time.UTC, "2026-12-08 00:00"), 0},
		{"Christmas Eve + 1 in Paris skips Christmas and the weekend", "b1", fr, at(t, paris, "2026-12-24 09:30"), at(t, paris, "2026-12-28 09:30"), 0},
		{"holiday start counts from the next business day", "b1", fr, at(t, paris, "2026-12-25 12:00"), at(t, paris, "2026-12-29 00:00"), 0},
		{"the day is Paris's, not UTC's", "b1", fr, at(t, time.UTC, "2026-12-24 23:30"), at(t, paris, "2026-12-29 00:00"), 0}, // 00:30 on the 25th in Paris
		{"Thanksgiving in New York", "b2", us, at(t, ny, "2026-11-25 17:00"), at(t, ny, "2026-11-30 17:00"), 0},
		{"business days across New York fall back keep the clock", "b1", us, at(t, ny, "2026-10-30 09:00"), at(t, ny, "2026-11-02 09:00"), 73},
		{"business days across New York spring forward", "b1", us, at(t, ny, "2026-03-06 09:00"), at(t, ny, "2026-03-09 09:00"), 71},
		{"a wall time inside the gap moves forward", "1d", fr, at(t, paris, "2026-03-28 02:30"), time.Date(2026, 3, 29, 3, 30, 0, 0, paris), 24},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var g Grace
			var err error
			if n, ok := strings.CutPrefix(tc.grace, "b"); ok {
				g, err = BusinessGrace(int(n[0]-'0'), "")
			} else {
				g, err = ParseGrace(tc.grace)
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := g.Due(tc.from, tc.cal)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tc.want) {
				t.Errorf("Due = %v, want %v", got, tc.want)
			}
			if h := got.Sub(tc.from).Hours(); tc.hours != 0 && h != tc.hours {
				t.Errorf("elapsed %vh, want %vh", h, tc.hours)
			}
		})
	}
}

func TestGraceDueNoBusinessDay(t *testing.T) {
	c, err := ParseICS("never", nil, []byte("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\nRRULE:FREQ=YEARLY\nDURATION:P365D\nEND:VEVENT\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261230\nRRULE:FREQ=YEARLY\nDURATION:P1W\nEND:VEVENT\nEND:VCALENDAR\n"))
	if err != nil {
		t.Fatal(err)
	}
	g, _ := BusinessGrace(1, "never")
	if _, err := g.Due(at(t, time.UTC, "2026-06-01 00:00"), c); err == nil || !strings.Contains(err.Error(), "no business day") {
		t.Errorf("Due on a calendar of holidays only = %v", err)
	}
}

func TestParseGrace(t *testing.T) {
	for in, want := range map[string]string{"3d": "3d", "12h": "12h", "1d12h": "1d12h", "90m": "1h30m", "0": "0", "2h30m": "2h30m"} {
		g, err := ParseGrace(in)
		if err != nil || g.String() != want {
			t.Errorf("ParseGrace(%q) = %v, %v; want %s", in, g, err, want)
		}
	}
	for _, in := range []string{"", "3", "d", "3w", "1h2d", "1d1d", "-1d", "3 d", "367d", "99999999999999999999d", "1.5d"} {
		if _, err := ParseGrace(in); err == nil {
			t.Errorf("ParseGrace(%q) accepted", in)
		}
	}
	if _, err := BusinessGrace(0, ""); err == nil {
		t.Error("BusinessGrace(0) accepted")
	}
	g, _ := BusinessGrace(2, "fr")
	if g.String() != "2 business days (fr)" || g.Zero() {
		t.Errorf("BusinessGrace(2, fr) = %s", g)
	}
}
