package calendar

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ICSError is a problem of an ICS file, at a line (1-based, of the file as written, before
// unfolding).
type ICSError struct {
	Line int
	Msg  string
}

func (e *ICSError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Bounds of what a holiday calendar may say, so that a hostile or broken file costs little.
const (
	maxYearlySpan = 365   // days an annual event may last (it cannot outlast its period)
	maxInterval   = 1000  // years between occurrences
	maxCount      = 10000 // occurrences
)

// ParseICS reads the all-day events (VEVENT with DTSTART;VALUE=DATE) of an iCalendar file
// (RFC 5545) as holidays: one-day and multi-day events (DTEND, exclusive, or DURATION in days
// or weeks), recurring yearly (RRULE FREQ=YEARLY with INTERVAL, COUNT or UNTIL; BYMONTH and
// BYMONTHDAY only as the start's own) less their EXDATEs. Cancelled events are left out.
// Anything else an event says that would change which days it covers (a timed start, another
// frequency or BY rule) is an error rather than a guess: a holiday calendar that is read wrong
// moves every grace. Components other than VEVENT (VTIMEZONE, VALARM...) are passed over.
func ParseICS(name string, loc *time.Location, src []byte) (*Calendar, error) {
	c := &Calendar{Name: name, Location: loc}
	lines := unfold(src)
	var depth []string // component stack
	var ev *icsEvent
	for _, ln := range lines {
		if ln.text == "" {
			continue
		}
		prop, params, value, err := contentLine(ln.text)
		if err != nil {
			return nil, &ICSError{ln.no, err.Error()}
		}
		switch prop {
		case "BEGIN":
			depth = append(depth, strings.ToUpper(value))
			if strings.EqualFold(value, "VEVENT") {
				if ev != nil {
					return nil, &ICSError{ln.no, "VEVENT inside VEVENT"}
				}
				ev = &icsEvent{line: ln.no}
			}
			if len(depth) > 20 {
				return nil, &ICSError{ln.no, "components nest deeper than 20"}
			}
			continue
		case "END":
			if len(depth) == 0 || depth[len(depth)-1] != strings.ToUpper(value) {
				return nil, &ICSError{ln.no, fmt.Sprintf("END:%s closes no open %s", value, value)}
			}
			depth = depth[:len(depth)-1]
			if strings.EqualFold(value, "VEVENT") {
				if err := ev.add(c); err != nil {
					return nil, err
				}
				ev = nil
			}
			continue
		}
		// Only the event's own properties count, not those of an alarm inside it.
		if ev == nil || depth[len(depth)-1] != "VEVENT" {
			continue
		}
		if err := ev.set(ln.no, prop, params, value); err != nil {
			return nil, err
		}
	}
	if len(depth) > 0 {
		return nil, &ICSError{len(lines), fmt.Sprintf("BEGIN:%s is never closed", depth[len(depth)-1])}
	}
	c.sort()
	return c, nil
}

type icsLine struct {
	no   int
	text string
}

// unfold joins continuation lines (those starting with a space or a tab) to the line before.
func unfold(src []byte) []icsLine {
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	var out []icsLine
	for i, raw := range strings.Split(string(src), "\n") {
		raw = strings.TrimSuffix(raw, "\r")
		if len(raw) > 0 && (raw[0] == ' ' || raw[0] == '\t') && len(out) > 0 {
			out[len(out)-1].text += raw[1:]
			continue
		}
		out = append(out, icsLine{i + 1, raw})
	}
	return out
}

// contentLine splits NAME;P1=V1;P2="V:2":VALUE.
func contentLine(s string) (name string, params map[string]string, value string, err error) {
	quoted := false
	colon := -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ':':
			if !quoted {
				colon = i
			}
		}
		if colon >= 0 {
			break
		}
	}
	if colon < 0 {
		return "", nil, "", fmt.Errorf("%q is not a NAME:VALUE line", clip(s))
	}
	head, value := s[:colon], s[colon+1:]
	parts := strings.Split(head, ";")
	name = strings.ToUpper(parts[0])
	if name == "" {
		return "", nil, "", fmt.Errorf("%q has no property name", clip(s))
	}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		if params == nil {
			params = map[string]string{}
		}
		params[strings.ToUpper(k)] = strings.Trim(v, `"`)
	}
	return name, params, value, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

type icsEvent struct {
	line      int
	start     Date
	startLine int
	end       Date // exclusive
	days      int  // from DURATION
	summary   string
	rrule     string
	ruleLine  int
	except    []Date
	cancelled bool
}

func (e *icsEvent) set(line int, prop string, params map[string]string, value string) error {
	bad := func(format string, args ...any) error { return &ICSError{line, fmt.Sprintf(format, args...)} }
	switch prop {
	case "DTSTART", "DTEND":
		d, err := icsDate(params, value, false)
		if err != nil {
			return bad("%s: %v", prop, err)
		}
		if prop == "DTSTART" {
			e.start, e.startLine = d, line
		} else {
			e.end = d
		}
	case "DURATION":
		n, err := icsDays(value)
		if err != nil {
			return bad("DURATION: %v", err)
		}
		e.days = n
	case "SUMMARY":
		e.summary = icsText(value)
	case "STATUS":
		e.cancelled = strings.EqualFold(value, "CANCELLED")
	case "RRULE":
		e.rrule, e.ruleLine = value, line
	case "EXDATE":
		for v := range strings.SplitSeq(value, ",") {
			d, err := icsDate(params, v, false)
			if err != nil {
				return bad("EXDATE: %v", err)
			}
			e.except = append(e.except, d)
		}
	case "RDATE":
		return bad("RDATE is not supported: write each date as its own event")
	}
	return nil
}

// add puts the event's days in c.
func (e *icsEvent) add(c *Calendar) error {
	if e.cancelled {
		return nil
	}
	if e.startLine == 0 {
		return &ICSError{e.line, "VEVENT has no DTSTART"}
	}
	s := span{From: e.start, To: e.start, Summary: e.summary}
	switch {
	case e.end != (Date{}):
		if e.end.Compare(e.start) <= 0 {
			return &ICSError{e.line, fmt.Sprintf("DTEND %s is not after DTSTART %s", e.end, e.start)}
		}
		s.To = e.end.AddDays(-1)
	case e.days > 0:
		s.To = e.start.AddDays(e.days - 1)
	}
	if e.rrule == "" {
		c.spans = append(c.spans, s)
		return nil
	}
	y, err := yearlyRule(s, e.rrule)
	if err != nil {
		return &ICSError{e.ruleLine, "RRULE: " + err.Error()}
	}
	y.Except = e.except
	c.yearly = append(c.yearly, y)
	return nil
}

func yearlyRule(s span, rule string) (yearly, error) {
	y := yearly{First: s, Interval: 1}
	if spanDays(s) >= maxYearlySpan {
		return y, fmt.Errorf("a yearly event may last at most %d days", maxYearlySpan)
	}
	freq := false
	for part := range strings.SplitSeq(rule, ";") {
		k, v, _ := strings.Cut(part, "=")
		k = strings.ToUpper(k)
		var err error
		switch k {
		case "FREQ":
			if !strings.EqualFold(v, "YEARLY") {
				return y, fmt.Errorf("FREQ: %s is not supported (only YEARLY)", v)
			}
			freq = true
		case "INTERVAL":
			y.Interval, err = boundedInt(v, 1, maxInterval)
		case "COUNT":
			y.Count, err = boundedInt(v, 1, maxCount)
		case "UNTIL":
			// UNTIL of an all-day event is a date; a date-time ends on its day.
			y.Until, err = icsDate(nil, v, true)
		case "BYMONTH":
			if n, e := strconv.Atoi(v); e != nil || time.Month(n) != s.From.Month {
				err = fmt.Errorf("%s other than the start's month is not supported", v)
			}
		case "BYMONTHDAY":
			if n, e := strconv.Atoi(v); e != nil || n != s.From.Day {
				err = fmt.Errorf("%s other than the start's day is not supported", v)
			}
		case "WKST":
		case "":
			if part != "" {
				return y, fmt.Errorf("%q is not KEY=VALUE", part)
			}
		default:
			return y, fmt.Errorf("%s is not supported", k)
		}
		if err != nil {
			return y, fmt.Errorf("%s: %w", k, err)
		}
	}
	if !freq {
		return y, fmt.Errorf("no FREQ")
	}
	return y, nil
}

func boundedInt(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not a number from %d to %d", s, lo, hi)
	}
	return n, nil
}

// icsDate reads a DATE value (YYYYMMDD). A DATE-TIME is refused unless only its day is wanted
// (dayOnly: UNTIL).
func icsDate(params map[string]string, v string, dayOnly bool) (Date, error) {
	day, rest, timed := strings.Cut(v, "T")
	if timed && !dayOnly {
		return Date{}, fmt.Errorf("%q has a time: only all-day events (VALUE=DATE) are holidays", v)
	}
	if timed && !validTime(rest) {
		return Date{}, fmt.Errorf("%q is not a date-time", v)
	}
	if vt, ok := params["VALUE"]; ok && !strings.EqualFold(vt, "DATE") {
		return Date{}, fmt.Errorf("VALUE=%s: only all-day events (VALUE=DATE) are holidays", vt)
	}
	t, err := time.Parse("20060102", day)
	if err != nil || len(day) != 8 {
		return Date{}, fmt.Errorf("%q is not a date (YYYYMMDD)", v)
	}
	return DateOf(t, nil), nil
}

func validTime(s string) bool {
	s = strings.TrimSuffix(s, "Z")
	if len(s) != 6 {
		return false
	}
	_, err := time.Parse("150405", s)
	return err == nil
}

// icsDays reads a DURATION of whole days or weeks (P2D, P1W): an all-day event lasts days.
func icsDays(v string) (int, error) {
	s := strings.TrimPrefix(strings.TrimPrefix(v, "+"), "P")
	if s == v || s == "" || strings.Contains(s, "T") {
		return 0, fmt.Errorf("%q is not a duration in days or weeks (P2D, P1W)", v)
	}
	unit := s[len(s)-1]
	n, err := boundedInt(s[:len(s)-1], 1, 3660)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration in days or weeks (P2D, P1W)", v)
	}
	switch unit {
	case 'D':
		return n, nil
	case 'W':
		return n * 7, nil
	}
	return 0, fmt.Errorf("%q is not a duration in days or weeks (P2D, P1W)", v)
}

// icsText undoes TEXT escaping.
func icsText(v string) string {
	r := strings.NewReplacer(`\\`, `\`, `\;`, `;`, `\,`, `,`, `\n`, "\n", `\N`, "\n")
	return r.Replace(v)
}
