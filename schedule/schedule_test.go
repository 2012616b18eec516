package schedule

import (
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/calendar"
	"github.com/ec2guard/ec2guard/resource"
)

func loc(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// at reads "2006-01-02 15:04" in l; "Z" at the end reads it in UTC.
func at(t testing.TB, l *time.Location, s string) time.Time {
	t.Helper()
	if v, ok := strings.CutSuffix(s, "Z"); ok {
		s, l = v, time.UTC
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, l)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func compile(t testing.TB, inline string, cals map[string]*calendar.Calendar) *Schedule {
	t.Helper()
	sp, err := ParseInline(inline)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sp.Compile(inline, func(n string) (*calendar.Calendar, bool) { c, ok := cals[n]; return c, ok })
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDecide(t *testing.T) {
	paris := loc(t, "Europe/Paris")
	fr, err := calendar.FromDates("fr", paris, []string{"2026-04-06"})
	if err != nil {
		t.Fatal(err)
	}
	cals := map[string]*calendar.Calendar{"fr": fr}
	office := compile(t, "off=19:00;on=08:00;days=mon-fri;holidays=fr", cals) // Paris, from the calendar
	nyOffice := compile(t, "off=18:00 on=07:00 tz=America/New_York days=mon-fri", nil)
	stopOnly := compile(t, "off=19:00;tz=Europe/Paris", nil)
	startOnly := compile(t, "on=08:00;tz=Europe/Paris;days=mon-fri", nil)
	night := compile(t, "off=08:00;on=20:00;tz=UTC", nil)
	const R, S = resource.Running, resource.Stopped
	for _, tc := range []struct {
		name   string
		s      *Schedule
		now    string // in the schedule's timezone; Z: UTC
		state  resource.State
		since  string // "" unknown
		want   Action
		reason string
		next   string // the next transition, in UTC
	}{
		{"evening: stop", office, "2026-03-27 19:30", R, "2026-03-27 08:01", Stop, "running, after the scheduled stop at 2026-03-27 19:00 CET", "2026-03-30 06:00Z"},
		{"weekend: stays stopped", office, "2026-03-28 12:00", S, "2026-03-27 19:02", Leave, "stopped since the scheduled stop at 2026-03-27 19:00 CET", "2026-03-30 06:00Z"},
		{"Monday after spring forward, a minute early", office, "2026-03-30 07:59", S, "2026-03-27 19:02", Leave, "stopped since", "2026-03-30 06:00Z"},
		{"Monday after spring forward, on time (CEST)", office, "2026-03-30 06:00Z", S, "2026-03-27 19:02", Start, "after the scheduled start at 2026-03-30 08:00 CEST", "2026-03-30 17:00Z"},
		{"a manual stop is respected", office, "2026-03-30 10:00", S, "2026-03-30 09:30", Leave, "stopped by hand at 2026-03-30 09:30 CEST, after the scheduled start at 2026-03-30 08:00 CEST: left alone until the scheduled start at 2026-03-31 08:00 CEST", "2026-03-30 17:00Z"},
		{"a manual stop is respected through the evening", office, "2026-03-30 22:00", S, "2026-03-30 09:30", Leave, "stopped since", "2026-03-31 06:00Z"},
		{"until the next scheduled start", office, "2026-03-31 08:05", S, "2026-03-30 09:30", Start, "", "2026-03-31 17:00Z"},
		{"a manual start after the stop is respected", office, "2026-03-30 20:00", R, "2026-03-30 19:30", Leave, "started by hand at 2026-03-30 19:30 CEST, after the scheduled stop at 2026-03-30 19:00 CEST: left alone until the scheduled stop at 2026-03-31 19:00 CEST", ""},
		{"until the next scheduled stop", office, "2026-03-31 19:00", R, "2026-03-30 19:30", Stop, "", ""},
		{"no start on a holiday", office, "2026-04-06 09:00", S, "2026-04-03 19:01", Leave, "stopped since the scheduled stop at 2026-04-03 19:00 CEST", "2026-04-06 17:00Z"},
		{"but a stop on a holiday", office, "2026-04-06 19:05", R, "2026-04-06 08:30", Stop, "after the scheduled stop at 2026-04-06 19:00 CEST", "2026-04-07 06:00Z"},
		{"the day after the holiday", office, "2026-04-07 08:00", S, "2026-04-06 19:01", Start, "", ""},
		{"unknown transition time: act", office, "2026-03-27 19:30", R, "", Stop, "", ""},
		{"in transition: leave", office, "2026-03-27 19:30", resource.Stopping, "", Leave, "the instance is stopping", ""},
		{"Paris fall back: stop at 19:00 CET", office, "2026-10-26 18:00Z", R, "2026-10-26 07:00Z", Stop, "2026-10-26 19:00 CET", "2026-10-27 07:00Z"},
		{"New York before spring forward (EST)", nyOffice, "2026-03-06 12:00Z", S, "2026-03-05 23:00Z", Start, "2026-03-06 07:00 EST", ""},
		{"New York after spring forward, 06:59 EDT", nyOffice, "2026-03-09 10:59Z", S, "2026-03-06 23:00Z", Leave, "", "2026-03-09 11:00Z"},
		{"New York after spring forward, 07:00 EDT", nyOffice, "2026-03-09 11:00Z", S, "2026-03-06 23:00Z", Start, "2026-03-09 07:00 EDT", "2026-03-09 22:00Z"},
		{"New York fall back: stop at 18:00 EST", nyOffice, "2026-11-02 23:00Z", R, "2026-11-02 12:00Z", Stop, "2026-11-02 18:00 EST", "2026-11-03 12:00Z"},
		{"stop-only stops", stopOnly, "2026-06-13 20:00", R, "2026-06-13 09:00", Stop, "", "2026-06-14 17:00Z"},
		{"stop-only never starts", stopOnly, "2026-06-14 09:00", S, "2026-06-13 19:01", Leave, "", ""},
		{"stop-only: a start in the morning is left alone", stopOnly, "2026-06-14 09:00", R, "2026-06-14 08:00", Leave, "left alone until the scheduled stop at 2026-06-14 19:00 CEST", ""},
		{"start-only starts", startOnly, "2026-06-15 08:30", S, "2026-06-12 17:00", Start, "", ""},
		{"start-only: a manual stop holds to the next start", startOnly, "2026-06-15 08:30", S, "2026-06-15 08:15", Leave, "until the scheduled start at 2026-06-16 08:00 CEST", ""},
		{"start-only never stops", startOnly, "2026-06-15 23:00", R, "2026-06-15 08:00", Leave, "", ""},
		{"overnight: running at night", night, "2026-06-15 21:00", S, "2026-06-15 08:00", Start, "", ""},
		{"overnight: stopped by day", night, "2026-06-16 07:59", R, "2026-06-15 20:01", Leave, "", "2026-06-16 08:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var since time.Time
			if tc.since != "" {
				since = at(t, tc.s.Location, tc.since)
			}
			got := tc.s.Decide(at(t, tc.s.Location, tc.now), tc.state, since)
			if got.Action != tc.want || !strings.Contains(got.Reason, tc.reason) {
				t.Errorf("Decide = %v (%s); want %v (...%s)", got.Action, got.Reason, tc.want, tc.reason)
			}
			if tc.next != "" && !got.Next.At.Equal(at(t, time.UTC, tc.next)) {
				t.Errorf("Next = %v, want %s", got.Next, tc.next)
			}
		})
	}
}

func TestTransitionsInADSTGap(t *testing.T) {
	// 02:30 does not exist in Paris on 29 March 2026 (02:00 CET → 03:00 CEST); the stop moves to
	// 03:30 CEST, as time.Date normalizes. On 25 October 02:30 happens twice; time.Date, and
	// so the stop, takes the second (CET).
	s := compile(t, "off=02:30;tz=Europe/Paris", nil)
	for _, tc := range []struct{ now, last string }{
		{"2026-03-29 01:15Z", "2026-03-28 01:30Z"},
		{"2026-03-29 01:30Z", "2026-03-29 01:30Z"},
		{"2026-10-25 00:29Z", "2026-10-24 00:30Z"},
		{"2026-10-25 00:30Z", "2026-10-24 00:30Z"},
		{"2026-10-25 01:29Z", "2026-10-24 00:30Z"},
		{"2026-10-25 01:45Z", "2026-10-25 01:30Z"},
	} {
		last, ok := s.Last(at(t, time.UTC, tc.now))
		if !ok || !last.At.Equal(at(t, time.UTC, tc.last)) {
			t.Errorf("Last(%s) = %v, want %s", tc.now, last.At.UTC(), tc.last)
		}
	}
}

func TestNoTransition(t *testing.T) {
	never, err := calendar.ParseICS("never", nil, []byte("BEGIN:VEVENT\nDTSTART;VALUE=DATE:20200101\nRRULE:FREQ=YEARLY\nDURATION:P365D\nEND:VEVENT\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20191230\nRRULE:FREQ=YEARLY\nDURATION:P1W\nEND:VEVENT\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := compile(t, "on=08:00;holidays=never", map[string]*calendar.Calendar{"never": never})
	d := s.Decide(at(t, time.UTC, "2026-06-01 10:00"), resource.Stopped, time.Time{})
	if d.Action != Leave || d.Reason != "no scheduled transition yet" || !d.Next.At.IsZero() {
		t.Errorf("Decide = %+v", d)
	}
}

func TestParseAndCompile(t *testing.T) {
	named := map[string]*Schedule{"office-hours": compile(t, "off=19:00;on=08:00;tz=Europe/Paris;days=mon-fri", nil)}
	for _, tc := range []struct{ tag, want string }{
		{"office-hours", "off=19:00;on=08:00;tz=Europe/Paris;days=mon,tue,wed,thu,fri"},
		{" office-hours ", "off=19:00;on=08:00;tz=Europe/Paris;days=mon,tue,wed,thu,fri"},
		{"off=7:05 TZ=America/New_York days=fri-mon", "off=07:05;tz=America/New_York;days=sun,mon,fri,sat"},
		{"on=08:00;timezone=UTC;days=MON,wed", "on=08:00;tz=UTC;days=mon,wed"},
		{"off=23:59", "off=23:59;tz=UTC"},
	} {
		s, err := Resolve(tc.tag, named, nil)
		if err != nil || s.String() != tc.want {
			t.Errorf("Resolve(%q) = %v, %v; want %s", tc.tag, s, err, tc.want)
		}
	}
	for _, tc := range []struct{ tag, want string }{
		{"weekend-hours", "no schedule of that name"},
		{"off=25:00", "off: \"25:00\" is not a time of day"},
		{"off=19:00;on=19:00", "off and on are both 19:00"},
		{"off=19:00;tz=Mars/Olympus", "timezone: \"Mars/Olympus\" is not an IANA timezone name"},
		{"off=19:00;tz=Local", "not an IANA"},
		{"off=19:00;tz=../../etc/passwd", "not an IANA"},
		{"off=19:00;days=mon-fry", "days: \"mon-fry\" is not a weekday"},
		{"off=19:00;holidays=de", "holidays: no calendar named \"de\""},
		{"tz=UTC", "needs off"},
		{"off=19:00;off=20:00", "off is given twice"},
		{"off=19:00;colour=blue", "colour is not a schedule key"},
		{"off=", "not key=value"},
		{";=;", "not key=value"},
	} {
		_, err := Resolve(tc.tag, named, func(string) (*calendar.Calendar, bool) { return nil, false })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Resolve(%q) = %v; want ...%s", tc.tag, err, tc.want)
		}
	}
}
