package rules

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ec2guard/ec2guard/calendar"
	"github.com/ec2guard/ec2guard/exception"
	"github.com/ec2guard/ec2guard/notify"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/schedule"
)

// This file reads what a rule file says of owners, graces, exceptions and schedules: the
// top-level calendars, schedules and owners, and a rule's grace, min-age, exceptions and
// schedule. Each is parsed here, once, into the typed values of packages calendar,
// schedule, exception and notify; validate and a run use those values.
//
//	calendars:
//	  fr: {timezone: Europe/Paris, dates: [2026-12-25], ics: holidays/fr.ics}   # ics: relative to the rule file
//	schedules:
//	  office-hours: {off: "19:00", on: "08:00", timezone: Europe/Paris, days: mon-fri, holidays: fr}
//	owners: owners.yaml                     # an owner map (package notify), relative to the rule file,
//	                                        # or {table: NAME, topics: [ARN, ...]} for one in DynamoDB
//	rules:
//	  - name: ...
//	    grace: 3d                           # or {business-days: 2, calendar: fr}
//	    min-age: 10m
//	    exceptions:
//	      - {tag: SPECIAL_EXCEPTION, reason: tagged by its owner}
//	      - {id: [i-0abc], reason: migration, until: 2027-01-31}
//	      - {account: ["111122223333"], reason: sandbox}
//	      - {principal: ["arn:aws:iam::111122223333:role/admin-*"], reason: operators}
//	    schedule: office-hours              # a schedule's name, an inline one, a mapping,
//	                                        # or {tag: ec2guard:schedule, default: office-hours}

// Tables are the rule file's shared definitions.
type Tables struct {
	Calendars  map[string]*calendar.Calendar
	Schedules  map[string]*schedule.Schedule
	Owners     *notify.Map // nil: the file names no owner map file
	OwnersFile string
	// OwnerTable is the owner map kept in DynamoDB that the file names instead of a file
	// (owners: {table: NAME, ...}); nil when it names none.
	OwnerTable *notify.TableSpec
}

// Timing is what a rule says of when it acts.
type Timing struct {
	// Grace delays the rule's actions: the owner is told and the action is taken when due if
	// the resource still fails. Zero: at once.
	Grace calendar.Grace
	// GraceCalendar is the calendar Grace counts business days in (nil: weekdays, UTC).
	GraceCalendar *calendar.Calendar
	// MinAge leaves resources younger than it alone until they are older.
	MinAge time.Duration
	// Exceptions spare resources from the rule while they hold.
	Exceptions []exception.Exception
	// Schedule is the rule's off-hours schedule, nil when it has none.
	Schedule *RuleSchedule
}

// RuleSchedule is a rule's schedule: a fixed one, or each resource's own from a tag (its
// value a schedule's name or an inline schedule), with a default for those without the tag.
type RuleSchedule struct {
	Fixed   *schedule.Schedule // every resource's, when Tag is empty
	Tag     string             // the tag whose value names the resource's schedule
	Default *schedule.Schedule // for a resource without Tag; nil: left alone
}

// For returns the schedule of a resource with these tags; nil when it has none. A tag value
// that names no schedule, or is not a valid inline one, is an error.
func (s *RuleSchedule) For(tags map[string]string, t Tables) (*schedule.Schedule, error) {
	if s.Tag == "" {
		return s.Fixed, nil
	}
	v, ok := tags[s.Tag]
	if !ok {
		return s.Default, nil
	}
	return schedule.Resolve(v, t.Schedules, t.calendar)
}

func (t Tables) calendar(name string) (*calendar.Calendar, bool) {
	c, ok := t.Calendars[name]
	return c, ok
}

// owning is the loader's state for this file: the top-level keys, read before the rules
// that use them, and what they were read into.
type owning struct {
	calendars, schedules, owners *yaml.Node
	tables                       *Tables
}

// tableKey takes a top-level key of this file; false when it is not one.
func (l *loader) tableKey(k, v *yaml.Node) bool {
	switch k.Value {
	case "calendars":
		l.owning.calendars = v
	case "schedules":
		l.owning.schedules = v
	case "owners":
		l.owning.owners = v
	default:
		return false
	}
	return true
}

// readTables reads the calendars, then the schedules (which name calendars), then the owner map.
func (l *loader) readTables(set *Set) {
	set.Calendars = map[string]*calendar.Calendar{}
	set.Schedules = map[string]*schedule.Schedule{}
	l.tables = &set.Tables
	if n := l.owning.calendars; n != nil {
		l.each(n, "calendars", func(k, v *yaml.Node) {
			if c := l.calendarDef(k.Value, v); c != nil {
				set.Calendars[k.Value] = c
			}
		})
	}
	if n := l.owning.schedules; n != nil {
		l.each(n, "schedules", func(k, v *yaml.Node) {
			sp, ok := l.scheduleSpec(v)
			if !ok {
				return
			}
			s, err := sp.Compile(k.Value, set.Tables.calendar)
			if err != nil {
				l.errorf(v, "schedule %s: %v", k.Value, oneLine(err))
				return
			}
			set.Schedules[k.Value] = s
		})
	}
	if n := l.owning.owners; n != nil && n.Kind == yaml.MappingNode {
		set.OwnerTable = l.ownerTable(n) // ownertable.go
	} else if n != nil {
		path := l.str(n, "owners (an owner map file, or {table: NAME} for a DynamoDB table)")
		if path == "" {
			return
		}
		src, full, err := l.readBeside(path)
		if err != nil {
			l.errorf(n, "owners: %v", err)
			return
		}
		m, err := notify.LoadMap(full, src, notify.Options{AllowLoopbackHTTP: l.opts.AllowLoopbackHTTP})
		if err != nil {
			l.foreign(n, err)
			return
		}
		set.Owners, set.OwnersFile = m, full
	}
}

// each calls f for every key of a mapping named what.
func (l *loader) each(n *yaml.Node, what string, f func(k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "%s must be a mapping of names to definitions", what)
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		if seen[k.Value] {
			l.errorf(k, "%s: %q is defined twice", what, k.Value)
			continue
		}
		seen[k.Value] = true
		f(k, v)
	}
}

// readBeside reads a file named relative to the rule file's folder.
func (l *loader) readBeside(path string) ([]byte, string, error) {
	full := path
	if !filepath.IsAbs(path) {
		full = filepath.Join(filepath.Dir(l.file), path)
	}
	read := l.opts.ReadFile
	if read == nil {
		read = os.ReadFile
	}
	src, err := read(full)
	if err != nil {
		return nil, full, fmt.Errorf("reading %s: %w", full, err)
	}
	return src, full, nil
}

// foreign adds the errors of another file (an owner map): each at its own file:line:col when
// it has one, else at n.
func (l *loader) foreign(n *yaml.Node, err error) {
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	for _, e := range list {
		var me *notify.MapError
		if errors.As(e, &me) {
			l.errs = append(l.errs, &Error{Loc: Location{File: me.File, Line: me.Line, Column: me.Column}, Msg: me.Msg})
			continue
		}
		l.errorf(n, "owners: %v", e)
	}
}

func (l *loader) calendarDef(name string, n *yaml.Node) *calendar.Calendar {
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "calendar %s must be a mapping with timezone, dates and/or ics", name)
		return nil
	}
	var loc *time.Location
	var dates []*yaml.Node
	var ics *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch k.Value {
		case "timezone":
			var err error
			if loc, err = schedule.LoadLocation(l.str(v, "timezone")); err != nil {
				l.errorf(v, "calendar %s: timezone: %v", name, err)
			}
		case "dates":
			if v.Kind != yaml.SequenceNode {
				l.errorf(v, "calendar %s: dates must be a list of YYYY-MM-DD", name)
				continue
			}
			dates = v.Content
		case "ics":
			ics = v
		default:
			l.errorf(k, "calendar %s: unknown key %q (timezone, dates, ics)", name, k.Value)
		}
	}
	if dates == nil && ics == nil {
		l.errorf(n, "calendar %s has no dates and no ics file", name)
		return nil
	}
	c, _ := calendar.FromDates(name, loc, nil)
	for _, d := range dates {
		d = resolve(d)
		one, err := calendar.FromDates(name, loc, []string{l.str(d, "a date")})
		if err != nil {
			l.errorf(d, "%v", err)
			continue
		}
		c.Merge(one)
	}
	if ics != nil {
		path := l.str(ics, "ics (a file)")
		if path == "" {
			return nil
		}
		src, full, err := l.readBeside(path)
		if err != nil {
			l.errorf(ics, "calendar %s: %v", name, err)
			return nil
		}
		fromICS, err := calendar.ParseICS(name, loc, src)
		var ie *calendar.ICSError
		switch {
		case errors.As(err, &ie):
			l.errs = append(l.errs, &Error{Loc: Location{File: full, Line: ie.Line, Column: 1}, Msg: fmt.Sprintf("calendar %s: %s", name, ie.Msg)})
			return nil
		case err != nil:
			l.errorf(ics, "calendar %s: %v", name, err)
			return nil
		}
		c.Merge(fromICS)
	}
	return c
}

// scheduleSpec reads a schedule as a mapping or an inline string.
func (l *loader) scheduleSpec(n *yaml.Node) (schedule.Spec, bool) {
	var sp schedule.Spec
	if n.Kind == yaml.ScalarNode {
		sp, err := schedule.ParseInline(n.Value)
		if err != nil {
			l.errorf(n, "schedule: %v", err)
			return sp, false
		}
		return sp, true
	}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "a schedule is a mapping (off, on, timezone, days, holidays) or an inline string (off=19:00;on=08:00)")
		return sp, false
	}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		dst := map[string]*string{"off": &sp.Off, "on": &sp.On, "timezone": &sp.Timezone, "days": &sp.Days, "holidays": &sp.Holidays}[k.Value]
		if dst == nil {
			l.errorf(k, "unknown schedule key %q (off, on, timezone, days, holidays)", k.Value)
			ok = false
			continue
		}
		*dst = l.str(v, k.Value)
	}
	return sp, ok
}

// timingKey takes a rule key of this file; false when it is not one.
func (l *loader) timingKey(r *Rule, k, v *yaml.Node) bool {
	switch k.Value {
	case "grace":
		l.grace(r, v)
	case "min-age":
		g, err := calendar.ParseGrace(l.str(v, "min-age"))
		if err != nil {
			l.errorf(v, "%v", strings.Replace(err.Error(), "grace", "min-age", 1))
			return true
		}
		r.MinAge = time.Duration(g.Days)*24*time.Hour + g.Duration
	case "exceptions":
		if v.Kind != yaml.SequenceNode {
			l.errorf(v, "exceptions must be a list of {tag | id | account | principal, reason, until}")
			return true
		}
		for _, e := range v.Content {
			if ex, ok := l.exception(resolve(e)); ok {
				r.Exceptions = append(r.Exceptions, ex)
			}
		}
	case "schedule":
		r.Schedule = l.ruleSchedule(v)
	default:
		return false
	}
	return true
}

func (l *loader) grace(r *Rule, n *yaml.Node) {
	if n.Kind == yaml.ScalarNode {
		g, err := calendar.ParseGrace(n.Value)
		if err != nil {
			l.errorf(n, "%v", err)
		}
		r.Grace = g
		return
	}
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "grace is a duration (3d, 12h, 1d12h) or {business-days: N, calendar: NAME}")
		return
	}
	days, cal := 0, ""
	var calNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch k.Value {
		case "business-days":
			d, err := strconv.Atoi(l.str(v, "business-days"))
			if err != nil {
				l.errorf(v, "business-days must be a whole number")
				return
			}
			days = d
		case "calendar":
			cal, calNode = l.str(v, "calendar"), v
		default:
			l.errorf(k, "unknown grace key %q (business-days, calendar)", k.Value)
			return
		}
	}
	g, err := calendar.BusinessGrace(days, cal)
	if err != nil {
		l.errorf(n, "grace: %v", err)
		return
	}
	r.Grace = g
	if cal != "" {
		c, ok := l.tables.calendar(cal)
		if !ok {
			l.errorf(calNode, "grace: no calendar named %q (define it under calendars:)", cal)
		}
		r.GraceCalendar = c
	}
}

func (l *loader) exception(n *yaml.Node) (exception.Exception, bool) {
	var ex exception.Exception
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "an exception is a mapping of tag, id, account or principal, with reason and until")
		return ex, false
	}
	before := len(l.errs)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch k.Value {
		case "tag":
			ex.Tag = l.str(v, "tag")
		case "id":
			ex.IDs = l.strList(v, "id")
		case "account":
			ex.Accounts = l.strList(v, "account")
		case "principal":
			ex.Principals = l.strList(v, "principal")
		case "reason":
			ex.Reason = l.str(v, "reason")
		case "until":
			t, err := exception.ParseUntil(l.str(v, "until"))
			if err != nil {
				l.errorf(v, "until: %v", err)
			}
			ex.Until = t
		default:
			l.errorf(k, "unknown exception key %q (tag, id, account, principal, reason, until)", k.Value)
		}
	}
	if len(l.errs) > before {
		return ex, false
	}
	if err := ex.Check(); err != nil {
		l.errorf(n, "%v", err)
		return ex, false
	}
	if ex.Reason == "" {
		l.errorf(n, "the exception has no reason: say why, for the reports that cite it")
		return ex, false
	}
	return ex, true
}

func (l *loader) ruleSchedule(n *yaml.Node) *RuleSchedule {
	// {tag: KEY, default: NAME}: each resource's own schedule.
	if n.Kind == yaml.MappingNode && len(n.Content) > 0 && (n.Content[0].Value == "tag" || n.Content[0].Value == "default") {
		rs := &RuleSchedule{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], resolve(n.Content[i+1])
			switch k.Value {
			case "tag":
				rs.Tag = l.str(v, "tag")
			case "default":
				rs.Default = l.namedOrInline(v)
			default:
				l.errorf(k, "unknown key %q of a tag schedule (tag, default)", k.Value)
			}
		}
		if rs.Tag == "" {
			l.errorf(n, "a tag schedule names its tag: {tag: ec2guard:schedule, default: NAME}")
			return nil
		}
		return rs
	}
	if s := l.namedOrInline(n); s != nil {
		return &RuleSchedule{Fixed: s}
	}
	return nil
}

// namedOrInline reads a schedule's name, an inline schedule or a mapping.
func (l *loader) namedOrInline(n *yaml.Node) *schedule.Schedule {
	if n.Kind == yaml.ScalarNode && !strings.Contains(n.Value, "=") {
		s, ok := l.tables.Schedules[n.Value]
		if !ok {
			l.errorf(n, "no schedule named %q (define it under schedules:, or write it inline: off=19:00;on=08:00)", n.Value)
		}
		return s
	}
	sp, ok := l.scheduleSpec(n)
	if !ok {
		return nil
	}
	s, err := sp.Compile("", l.tables.calendar)
	if err != nil {
		l.errorf(n, "schedule: %v", oneLine(err))
		return nil
	}
	return s
}

// oneLine joins errors.Join's lines.
func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }

// PendingTag is the tag that records a rule's pending actions (its grace) on a resource.
func PendingTag(rule string) string { return "ec2guard:pending:" + rule }

// RecheckTag is the tag that records when a resource that a rule's min-age, or an exception
// by principal that expires, spared on an event is to be judged again (RFC 3339): no event
// tells when, and the timer, which has no caller to judge a principal by, finds it there.
func RecheckTag(rule string) string { return "ec2guard:recheck:" + rule }

// Rechecks reports whether the rule may record a re-check on a resource (RecheckTag): it has
// a min-age, or an exception by principal with an until.
func (r *Rule) Rechecks() bool {
	return r.MinAge > 0 || slices.ContainsFunc(r.Exceptions, func(e exception.Exception) bool { return len(e.Principals) > 0 && !e.Until.IsZero() })
}

// Needs is what a read of the resource must fetch to judge the timing: its tags for an
// exception by tag or a schedule tag, its creation time for min-age, its state for a schedule.
func (t Timing) Needs() resource.Needs {
	if t.MinAge > 0 || t.Schedule != nil || slices.ContainsFunc(t.Exceptions, func(e exception.Exception) bool { return e.Tag != "" }) {
		return resource.NeedDescribe
	}
	return 0
}

// TellOwner is the action that tells a resource's owner (package actions): it needs the
// file's owner map or a topic of its own.
const TellOwner = "tell-owner"

// recipients reports a tell-owner that would have nobody to tell: no topic, and no owner map
// in the file. Checked here, where the map is known, so validate says what a run would.
func (l *loader) recipients(set *Set) {
	if set.Owners != nil || l.owning.owners != nil {
		return
	}
	for _, r := range set.Rules {
		for _, a := range r.Actions {
			if _, ok := a.Params["topic"]; a.Name == TellOwner && !ok {
				l.errs = append(l.errs, &Error{Loc: a.Loc, Msg: "tell-owner has nobody to tell: give it a topic, or the file an owner map (owners: FILE)"})
			}
		}
	}
}
