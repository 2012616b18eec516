// Package calendar says which days are business days and when a grace period ends: holiday
// calendars (from a list of dates or an ICS file), each in its own timezone, and graces of
// calendar time (`3d`, `12h`) or business days (`{business-days: 2, calendar: fr}`).
//
// A day is a business day when it is a Monday to Friday, in the calendar's timezone, that is not
// one of its holidays. Everything here is pure: the caller passes the instants.
package calendar

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Date is a day of the civil calendar, without a timezone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the day t falls on in loc (t's own location when loc is nil).
func DateOf(t time.Time, loc *time.Location) Date {
	if loc != nil {
		t = t.In(loc)
	}
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q is not YYYY-MM-DD", s)
	}
	return DateOf(t, nil), nil
}

// In is the start of the day (its first instant) in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays is the day n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC), nil)
}

// Weekday is the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.In(time.UTC).Weekday() }

// Compare orders dates: -1, 0 or +1.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmp.Compare(d.Year, e.Year)
	case d.Month != e.Month:
		return cmp.Compare(d.Month, e.Month)
	default:
		return cmp.Compare(d.Day, e.Day)
	}
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// span is a run of holidays, From to To inclusive.
type span struct {
	From, To Date
	Summary  string
}

// yearly is an event that recurs every Interval years from its first span (RRULE:FREQ=YEARLY).
type yearly struct {
	First    span
	Interval int
	Count    int  // occurrences; 0: no limit
	Until    Date // last possible start; zero: no limit
	Except   []Date
}

// Calendar is a named set of holidays in a timezone. The zero value, and a nil *Calendar, has
// no holidays and lives in UTC.
type Calendar struct {
	Name     string
	Location *time.Location
	spans    []span // sorted by From
	yearly   []yearly
}

// FromDates builds a calendar from YYYY-MM-DD dates.
func FromDates(name string, loc *time.Location, dates []string) (*Calendar, error) {
	c := &Calendar{Name: name, Location: loc}
	for _, s := range dates {
		d, err := ParseDate(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("calendar %s: %w", name, err)
		}
		c.spans = append(c.spans, span{From: d, To: d})
	}
	c.sort()
	return c, nil
}

func (c *Calendar) sort() {
	slices.SortFunc(c.spans, func(a, b span) int { return a.From.Compare(b.From) })
}

// Loc is the calendar's timezone, UTC when it names none.
func (c *Calendar) Loc() *time.Location {
	if c == nil || c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// Holiday says whether d is one of the calendar's holidays, and its summary (the ICS SUMMARY,
// or empty).
func (c *Calendar) Holiday(d Date) (string, bool) {
	if c == nil {
		return "", false
	}
	// spans are sorted by From; any span starting after d cannot hold it.
	end, _ := slices.BinarySearchFunc(c.spans, d, func(s span, d Date) int {
		if s.From.Compare(d) <= 0 {
			return -1
		}
		return 1
	})
	for _, s := range c.spans[:end] {
		if s.To.Compare(d) >= 0 {
			return s.Summary, true
		}
	}
	for _, y := range c.yearly {
		if y.holds(d) {
			return y.First.Summary, true
		}
	}
	return "", false
}

// holds says whether an occurrence of the recurring event covers d. An occurrence starting in
// year d.Year or one of the few years before (a span may cross a new year) may cover it.
func (y yearly) holds(d Date) bool {
	days := spanDays(y.First)
	for year := d.Year - days/365 - 1; year <= d.Year; year++ {
		if _, ok := y.occurrence(year); !ok {
			continue
		}
		start := Date{year, y.First.From.Month, y.First.From.Day}
		if start.Compare(d) <= 0 && start.AddDays(days).Compare(d) >= 0 {
			return true
		}
	}
	return false
}

// occurrence says whether the event occurs in year, and its 0-based index when it does.
// A start that does not exist in a year (29 February) does not occur that year (RFC 5545).
func (y yearly) occurrence(year int) (int, bool) {
	f := y.First.From
	if year < f.Year || (year-f.Year)%y.Interval != 0 {
		return 0, false
	}
	start := Date{year, f.Month, f.Day}
	if !valid(start) {
		return 0, false
	}
	if y.Until != (Date{}) && start.Compare(y.Until) > 0 {
		return 0, false
	}
	if slices.Contains(y.Except, start) {
		return 0, false
	}
	n := 0
	if y.Count > 0 {
		// COUNT counts what the rule generates, EXDATEs included (RFC 5545 removes them
		// afterwards); only a 29 February start skips years.
		if f.Month == time.February && f.Day == 29 {
			for yr := f.Year; yr < year; yr += y.Interval {
				if valid(Date{yr, f.Month, f.Day}) {
					n++
				}
			}
		} else {
			n = (year - f.Year) / y.Interval
		}
		if n >= y.Count {
			return 0, false
		}
	}
	return n, true
}

func valid(d Date) bool { return DateOf(d.In(time.UTC), nil) == d }

func spanDays(s span) int {
	return int(s.To.In(time.UTC).Sub(s.From.In(time.UTC)).Hours() / 24)
}

// BusinessDay says whether d is a business day: Monday to Friday and not a holiday.
func (c *Calendar) BusinessDay(d Date) bool {
	switch d.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	_, h := c.Holiday(d)
	return !h
}

// Merge adds other's holidays to c (the name and timezone stay c's).
func (c *Calendar) Merge(other *Calendar) {
	if other == nil {
		return
	}
	c.spans = append(c.spans, other.spans...)
	c.yearly = append(c.yearly, other.yearly...)
	c.sort()
}
