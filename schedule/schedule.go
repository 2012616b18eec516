// Package schedule decides off-hours: whether an instance should be started, stopped or left
// alone at an instant, by a schedule of stop and start times in a timezone, on some weekdays,
// skipping the starts of a holiday calendar's days.
//
// A schedule's transitions are its stop (off) and start (on) times on each of its days; either
// may be absent (stop-only: the instance is stopped every evening and started by people;
// start-only). On a holiday the start is skipped and the stop kept, so the instance stays off
// all day and one someone started by hand is still stopped in the evening. The decision looks
// at the last transition at or before the instant: the instance should be as it left it — but
// if the instance changed state after that transition (its StateTransitionTime is later), a
// person did it, and it is left alone until the next transition: a manual stop holds until the
// next scheduled start, a manual start until the next scheduled stop.
//
// A schedule is written in the rule file (Spec, by name) or in a resource's tag value, either
// naming one of the file's schedules or inline (ParseInline):
//
//	off=19:00;on=08:00;tz=Europe/Paris;days=mon-fri;holidays=fr
//
// Everything is pure; the instant is the caller's.
package schedule

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	_ "time/tzdata" // IANA names read alike on every host, a Lambda runtime without zoneinfo included

	"github.com/ec2guard/ec2guard/calendar"
	"github.com/ec2guard/ec2guard/resource"
)

// Clock is a time of day.
type Clock struct{ Hour, Minute int }

// ParseClock reads HH:MM, 24-hour.
func ParseClock(s string) (Clock, error) {
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(h) < 1 || len(h) > 2 || len(m) != 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return Clock{}, fmt.Errorf("%q is not a time of day (HH:MM, 24-hour)", s)
	}
	return Clock{hh, mm}, nil
}

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// Spec is a schedule as written: in a rule file's schedules or a tag value. Empty fields are
// left out.
type Spec struct {
	Off      string // HH:MM the instance is stopped at
	On       string // HH:MM the instance is started at
	Timezone string // IANA name; default the holiday calendar's, else UTC
	Days     string // mon-fri, mon,wed,fri, sat-sun, fri-mon; default every day
	Holidays string // the name of a calendar of the rule file
}

// Calendars finds a holiday calendar by name.
type Calendars func(name string) (*calendar.Calendar, bool)

// Schedule is a compiled Spec.
type Schedule struct {
	Name     string
	Off, On  *Clock
	Location *time.Location
	Days     [7]bool // by time.Weekday
	Holidays *calendar.Calendar
	spec     Spec
}

// Spec is what the schedule was compiled from.
func (s *Schedule) Spec() Spec { return s.spec }

// Compile checks a Spec and builds its Schedule. Errors name the field.
func (sp Spec) Compile(name string, cals Calendars) (*Schedule, error) {
	s := &Schedule{Name: name, spec: sp}
	var errs []error
	for _, f := range []struct {
		key, v string
		dst    **Clock
	}{{"off", sp.Off, &s.Off}, {"on", sp.On, &s.On}} {
		if f.v == "" {
			continue
		}
		c, err := ParseClock(f.v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.key, err))
			continue
		}
		*f.dst = &c
	}
	if sp.Off == "" && sp.On == "" {
		errs = append(errs, errors.New("a schedule needs off (a stop time), on (a start time) or both"))
	}
	if s.Off != nil && s.On != nil && *s.Off == *s.On {
		errs = append(errs, fmt.Errorf("off and on are both %s", s.Off))
	}
	if sp.Holidays != "" {
		c, ok := (*calendar.Calendar)(nil), false
		if cals != nil {
			c, ok = cals(sp.Holidays)
		}
		if !ok {
			errs = append(errs, fmt.Errorf("holidays: no calendar named %q", sp.Holidays))
		}
		s.Holidays = c
	}
	s.Location = s.Holidays.Loc()
	if sp.Timezone != "" {
		loc, err := LoadLocation(sp.Timezone)
		if err != nil {
			errs = append(errs, fmt.Errorf("timezone: %w", err))
		}
		s.Location = loc
	}
	days, err := ParseDays(sp.Days)
	if err != nil {
		errs = append(errs, fmt.Errorf("days: %w", err))
	}
	s.Days = days
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// LoadLocation reads an IANA timezone name ("Europe/Paris", "UTC"). The binary embeds the
// timezone database (time/tzdata), so a host without one reads the same names.
func LoadLocation(name string) (*time.Location, error) {
	if name == "" || name == "Local" || strings.HasPrefix(name, "/") || strings.Contains(name, "..") {
		return nil, fmt.Errorf("%q is not an IANA timezone name (Europe/Paris, America/New_York, UTC)", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not an IANA timezone name (Europe/Paris, America/New_York, UTC)", name)
	}
	return loc, nil
}

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// ParseDays reads a list of weekdays and ranges (mon-fri, sat-sun, fri-mon wraps the weekend;
// mon,wed,fri), case-insensitive; empty is every day.
func ParseDays(s string) ([7]bool, error) {
	var days [7]bool
	if strings.TrimSpace(s) == "" {
		return [7]bool{true, true, true, true, true, true, true}, nil
	}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		from, to, isRange := strings.Cut(part, "-")
		a, ok1 := dayNames[from]
		b, ok2 := a, true
		if isRange {
			b, ok2 = dayNames[to]
		}
		if !ok1 || !ok2 {
			return days, fmt.Errorf("%q is not a weekday or a range of them (mon-fri, sat, sun...)", part)
		}
		for d := a; ; d = (d + 1) % 7 {
			days[d] = true
			if d == b {
				break
			}
		}
	}
	return days, nil
}

// ParseInline reads a schedule written in a tag value: key=value pairs separated by ';' or
// spaces (a space, unlike ';', is allowed in every AWS service's tags). Keys: off, on, tz (or
// timezone), days, holidays.
func ParseInline(v string) (Spec, error) {
	var sp Spec
	seen := map[string]bool{}
	for _, part := range strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ' ' }) {
		k, val, ok := strings.Cut(part, "=")
		k = strings.ToLower(k)
		if k == "timezone" {
			k = "tz"
		}
		if !ok || val == "" {
			return Spec{}, fmt.Errorf("%q is not key=value (off=19:00;on=08:00;tz=Europe/Paris;days=mon-fri)", part)
		}
		if seen[k] {
			return Spec{}, fmt.Errorf("%s is given twice", k)
		}
		seen[k] = true
		switch k {
		case "off":
			sp.Off = val
		case "on":
			sp.On = val
		case "tz":
			sp.Timezone = val
		case "days":
			sp.Days = val
		case "holidays":
			sp.Holidays = val
		default:
			return Spec{}, fmt.Errorf("%s is not a schedule key (off, on, tz, days, holidays)", k)
		}
	}
	if len(seen) == 0 {
		return Spec{}, errors.New("empty schedule")
	}
	return sp, nil
}

// Resolve turns a resource's schedule tag value into its schedule: the name of one of named
// (the rule file's schedules), else an inline schedule (it has an '=').
func Resolve(tag string, named map[string]*Schedule, cals Calendars) (*Schedule, error) {
	tag = strings.TrimSpace(tag)
	if s, ok := named[tag]; ok {
		return s, nil
	}
	if !strings.Contains(tag, "=") {
		return nil, fmt.Errorf("schedule %q: no schedule of that name, nor an inline one (off=19:00;on=08:00;tz=Europe/Paris)", tag)
	}
	sp, err := ParseInline(tag)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", tag, err)
	}
	s, err := sp.Compile(tag, cals)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", tag, err)
	}
	return s, nil
}

// String is the schedule in the inline form.
func (s *Schedule) String() string {
	var parts []string
	if s.Off != nil {
		parts = append(parts, "off="+s.Off.String())
	}
	if s.On != nil {
		parts = append(parts, "on="+s.On.String())
	}
	parts = append(parts, "tz="+s.Location.String())
	var days []string
	for d := time.Sunday; d <= time.Saturday; d++ {
		if s.Days[d] {
			days = append(days, strings.ToLower(d.String()[:3]))
		}
	}
	if len(days) < 7 {
		parts = append(parts, "days="+strings.Join(days, ","))
	}
	if s.Holidays != nil {
		parts = append(parts, "holidays="+s.Holidays.Name)
	}
	return strings.Join(parts, ";")
}

// Transition is a scheduled stop or start.
type Transition struct {
	At    time.Time
	Start bool // a start; else a stop
}

func (t Transition) String() string {
	word := "stop"
	if t.Start {
		word = "start"
	}
	return fmt.Sprintf("scheduled %s at %s", word, t.At.Format("2006-01-02 15:04 MST"))
}

// horizon bounds the search for a transition: a start-only schedule on a calendar of long
// holidays may have none for a while; none in this many days means none at all.
const horizon = 400

// on lists the transitions of day d in order.
func (s *Schedule) on(d calendar.Date) []Transition {
	if !s.Days[d.Weekday()] {
		return nil
	}
	var ts []Transition
	if s.Off != nil {
		ts = append(ts, Transition{At: time.Date(d.Year, d.Month, d.Day, s.Off.Hour, s.Off.Minute, 0, 0, s.Location)})
	}
	if s.On != nil {
		if _, holiday := s.Holidays.Holiday(d); !holiday {
			ts = append(ts, Transition{At: time.Date(d.Year, d.Month, d.Day, s.On.Hour, s.On.Minute, 0, 0, s.Location), Start: true})
		}
	}
	// A wall time inside a DST gap moves forward by the gap; one that happens twice (fall
	// back) is taken at its second, as time.Date does.
	if len(ts) == 2 && ts[1].At.Before(ts[0].At) {
		ts[0], ts[1] = ts[1], ts[0]
	}
	return ts
}

// Last is the last transition at or before now.
func (s *Schedule) Last(now time.Time) (Transition, bool) {
	d := calendar.DateOf(now, s.Location)
	for range horizon {
		ts := s.on(d)
		for i := len(ts) - 1; i >= 0; i-- {
			if !ts[i].At.After(now) {
				return ts[i], true
			}
		}
		d = d.AddDays(-1)
	}
	return Transition{}, false
}

// Next is the first transition after now.
func (s *Schedule) Next(now time.Time) (Transition, bool) { return s.next(now, nil) }

// next is the first transition after now, of the kind asked (start when *start) or any.
func (s *Schedule) next(now time.Time, start *bool) (Transition, bool) {
	d := calendar.DateOf(now, s.Location)
	for range horizon {
		for _, t := range s.on(d) {
			if t.At.After(now) && (start == nil || t.Start == *start) {
				return t, true
			}
		}
		d = d.AddDays(1)
	}
	return Transition{}, false
}

// Action is what a decision says to do.
type Action int

// The actions.
const (
	Leave Action = iota // do nothing
	Start
	Stop
)

func (a Action) String() string {
	return [...]string{"leave", "start", "stop"}[a]
}

// Decision is what the schedule says of an instance at an instant, and why.
type Decision struct {
	Action Action
	Reason string
	Last   Transition // zero when there was none
	Next   Transition // zero when there is none
}

// Decide says what to do with an instance in state that entered it at since (its
// StateTransitionTime; zero when unknown, taken as before any transition) at the instant now.
func (s *Schedule) Decide(now time.Time, state resource.State, since time.Time) Decision {
	var dec Decision
	next, hasNext := s.Next(now)
	if hasNext {
		dec.Next = next
	}
	last, ok := s.Last(now)
	switch {
	case state != resource.Running && state != resource.Stopped:
		dec.Reason = fmt.Sprintf("the instance is %s", state)
		return dec
	case !ok:
		dec.Reason = "no scheduled transition yet"
		return dec
	}
	dec.Last = last
	want := resource.Stopped
	if last.Start {
		want = resource.Running
	}
	if state == want {
		dec.Reason = fmt.Sprintf("%s since the %s", state, last)
		return dec
	}
	if since.After(last.At) {
		// A manual stop holds until the next start, a manual start until the next stop.
		return s.Overridden(now, state, last, "by hand at "+since.In(s.Location).Format("2006-01-02 15:04 MST"))
	}
	dec.Action = Stop
	if last.Start {
		dec.Action = Start
	}
	dec.Reason = fmt.Sprintf("%s, after the %s", state, last)
	return dec
}

// Overridden is the decision on an instance that someone changed to state after the last
// transition (how says how that is known): left alone, a manual stop until the next
// scheduled start and a manual start until the next scheduled stop.
func (s *Schedule) Overridden(now time.Time, state resource.State, last Transition, how string) Decision {
	dec := Decision{Last: last}
	if next, ok := s.Next(now); ok {
		dec.Next = next
	}
	manualStop := state == resource.Stopped
	until := "no scheduled " + map[bool]string{true: "start", false: "stop"}[manualStop]
	if t, ok := s.next(now, &manualStop); ok {
		until = "the " + t.String()
	}
	word := "started"
	if manualStop {
		word = "stopped"
	}
	dec.Reason = fmt.Sprintf("%s %s, after the %s: left alone until %s", word, how, last, until)
	return dec
}
