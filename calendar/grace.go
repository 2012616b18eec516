package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Grace is how long a rule waits between telling a resource's owner and acting: calendar time
// (Days, then Duration) or business days of a calendar.
type Grace struct {
	Days         int           // calendar days: the same wall-clock time Days days later
	Duration     time.Duration // elapsed time, after Days
	BusinessDays int           // business days of Calendar; excludes Days and Duration
	Calendar     string        // the calendar's name, for BusinessDays ("" : weekdays in UTC)
}

// Bounds of a grace: longer ones are mistakes, and they keep the search for business days short.
const (
	MaxGraceDays      = 366
	maxHolidayStretch = 3660 // days with no business day after which a calendar is broken
)

// ParseGrace reads a calendar-time grace: a sequence of whole numbers with units d (days,
// counted on the wall clock of the calendar's timezone, so a day across a DST change lasts 23
// or 25 hours), h and m (elapsed hours and minutes): `3d`, `12h`, `1d12h`, `90m`. `0` is no
// grace.
func ParseGrace(s string) (Grace, error) {
	var g Grace
	if s == "0" {
		return g, nil
	}
	rest := strings.TrimSpace(s)
	if rest == "" {
		return g, errors.New("empty grace: write 3d, 12h, 90m or 1d12h")
	}
	last := byte(0)
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 || i == len(rest) {
			return Grace{}, fmt.Errorf("grace %q: write whole numbers with a unit, d, h or m (3d, 1d12h, 90m)", s)
		}
		n, err := strconv.Atoi(rest[:i])
		unit := rest[i]
		if err != nil || n > MaxGraceDays*24*60 {
			return Grace{}, fmt.Errorf("grace %q: %s is too large", s, rest[:i])
		}
		if order(unit) == 99 {
			return Grace{}, fmt.Errorf("grace %q: %c is not a unit: write d, h or m", s, unit)
		}
		if order(unit) <= order(last) {
			return Grace{}, fmt.Errorf("grace %q: units go d, h, m, each once", s)
		}
		switch unit {
		case 'd':
			g.Days = n
		case 'h':
			g.Duration += time.Duration(n) * time.Hour
		case 'm':
			g.Duration += time.Duration(n) * time.Minute
		}
		last, rest = unit, rest[i+1:]
	}
	if g.Days+int(g.Duration/(24*time.Hour)) > MaxGraceDays {
		return Grace{}, fmt.Errorf("grace %q is longer than %d days", s, MaxGraceDays)
	}
	return g, nil
}

func order(unit byte) int {
	switch unit {
	case 0:
		return 0
	case 'd':
		return 1
	case 'h':
		return 2
	case 'm':
		return 3
	}
	return 99
}

// BusinessGrace is a grace of n business days of a calendar.
func BusinessGrace(n int, calendar string) (Grace, error) {
	if n < 1 || n > MaxGraceDays {
		return Grace{}, fmt.Errorf("business-days %d: give 1 to %d", n, MaxGraceDays)
	}
	return Grace{BusinessDays: n, Calendar: calendar}, nil
}

// Zero says there is no grace: the action is due at once.
func (g Grace) Zero() bool { return g.Days == 0 && g.Duration == 0 && g.BusinessDays == 0 }

func (g Grace) String() string {
	if g.BusinessDays > 0 {
		s := fmt.Sprintf("%d business day", g.BusinessDays)
		if g.BusinessDays != 1 {
			s += "s"
		}
		if g.Calendar != "" {
			s += " (" + g.Calendar + ")"
		}
		return s
	}
	var b strings.Builder
	if g.Days > 0 {
		fmt.Fprintf(&b, "%dd", g.Days)
	}
	if h := int(g.Duration / time.Hour); h > 0 {
		fmt.Fprintf(&b, "%dh", h)
	}
	if m := int(g.Duration % time.Hour / time.Minute); m > 0 {
		fmt.Fprintf(&b, "%dm", m)
	}
	if b.Len() == 0 {
		return "0"
	}
	return b.String()
}

// Due is when an action whose grace started at from falls due, counted in cal (nil: no
// holidays, UTC), which must be the calendar g names.
//
// Calendar days keep the wall-clock time of from in cal's timezone. Business days count
// whole business days: from a business day at 15:00, 2 business days later is 15:00 of the
// second business day after it (Friday 15:00 + 2 = Tuesday 15:00); from a day that is not
// one (a Saturday, a holiday) counting starts at the next business day's midnight (Saturday
// + 1 = Tuesday 00:00: all of Monday was given). A wall-clock time that does not exist that
// day (inside a DST gap) moves forward by the gap, as time.Date does.
func (g Grace) Due(from time.Time, cal *Calendar) (time.Time, error) {
	loc := cal.Loc()
	t := from.In(loc)
	if g.BusinessDays == 0 {
		if g.Days > 0 {
			t = t.AddDate(0, 0, g.Days)
		}
		return t.Add(g.Duration), nil
	}
	d := DateOf(t, loc)
	if !cal.BusinessDay(d) {
		next, err := cal.nextBusinessDay(d)
		if err != nil {
			return time.Time{}, err
		}
		d, t = next, next.In(loc)
	}
	for range g.BusinessDays {
		next, err := cal.nextBusinessDay(d)
		if err != nil {
			return time.Time{}, err
		}
		d = next
	}
	h, m, s := t.Clock()
	return time.Date(d.Year, d.Month, d.Day, h, m, s, t.Nanosecond(), loc), nil
}

// nextBusinessDay is the first business day after d.
func (c *Calendar) nextBusinessDay(d Date) (Date, error) {
	for range maxHolidayStretch {
		d = d.AddDays(1)
		if c.BusinessDay(d) {
			return d, nil
		}
	}
	name := "the calendar"
	if c != nil && c.Name != "" {
		name = "calendar " + c.Name
	}
	return Date{}, fmt.Errorf("%s has no business day in the %d days after %s", name, maxHolidayStretch, d.AddDays(-maxHolidayStretch))
}
