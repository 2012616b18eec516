package rules

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/calendar"
	"github.com/ec2guard/ec2guard/exception"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/schedule"
)

// files are the files a test rule file names, beside it in dir/.
func files(m map[string]string) func(string) ([]byte, error) {
	return func(path string) ([]byte, error) {
		s, ok := m[path]
		if !ok {
			return nil, fs.ErrNotExist
		}
		return []byte(s), nil
	}
}

const ownersRuleFile = `calendars:
  fr:
    timezone: Europe/Paris
    dates: [2026-12-25]
    ics: holidays/fr.ics
schedules:
  office-hours: {off: "19:00", on: "08:00", days: mon-fri, holidays: fr}
owners: owners.yaml
rules:
  - name: require-exception
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    grace: {business-days: 2, calendar: fr}
    min-age: 10m
    exceptions:
      - {tag: SPECIAL_EXCEPTION, reason: tagged by its owner}
      - {id: [i-0abc], reason: migration, until: 2027-01-31}
      - {account: "111122223333", reason: sandbox}
      - {principal: ["arn:aws:iam::111122223333:role/admin-*"], reason: operators}
    actions: [stop]
  - name: off-hours
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    grace: 1d12h
    schedule: {tag: "ec2guard:schedule", default: office-hours}
    actions: [stop]
  - name: inline
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    schedule: off=20:00;tz=America/New_York
    actions: [stop]
`

var ownersFiles = map[string]string{
	"dir/holidays/fr.ics": "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\nRRULE:FREQ=YEARLY\nEND:VEVENT\nEND:VCALENDAR\n",
	"dir/owners.yaml":     "fallback: {sns: \"arn:aws:sns:eu-west-1:111122223333:ops\"}\nowners:\n  alice: {slack: \"https://hooks.slack.com/services/T/B/X\"}\n",
}

func TestLoadOwners(t *testing.T) {
	set, err := Load("dir/rules.yaml", []byte(ownersRuleFile), Options{ReadFile: files(ownersFiles)})
	if err != nil {
		t.Fatal(err)
	}
	fr := set.Calendars["fr"]
	for day, want := range map[string]bool{"2026-12-25": true, "2027-01-01": true, "2026-12-24": false} {
		d, _ := calendar.ParseDate(day)
		if _, got := fr.Holiday(d); got != want {
			t.Errorf("fr holiday %s = %v", d, got)
		}
	}
	if fr.Loc().String() != "Europe/Paris" {
		t.Errorf("fr in %v", fr.Loc())
	}
	office := set.Schedules["office-hours"]
	if office.String() != "off=19:00;on=08:00;tz=Europe/Paris;days=mon,tue,wed,thu,fri;holidays=fr" {
		t.Errorf("office-hours = %s", office)
	}
	if r, by := set.Owners.Route("", "alice"); by != "alice" || r.Slack == "" || set.OwnersFile != "dir/owners.yaml" {
		t.Errorf("owners route alice by %q to %+v (%s)", by, r, set.OwnersFile)
	}

	req := set.Rules[0]
	if req.Grace.String() != "2 business days (fr)" || req.GraceCalendar != fr || req.MinAge != 10*time.Minute || len(req.Exceptions) != 4 {
		t.Errorf("require-exception: %+v", req.Timing)
	}
	now := time.Date(2027, 1, 31, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		s    exception.Subject
		want exception.Status
	}{
		{exception.Subject{Tags: map[string]string{"SPECIAL_EXCEPTION": "until=2027-01-01"}}, exception.Expired},
		{exception.Subject{ID: "i-0abc"}, exception.Honoured},
		{exception.Subject{Account: "111122223333"}, exception.Honoured},
		{exception.Subject{Principals: []string{"arn:aws:iam::111122223333:role/admin-ops"}}, exception.Honoured},
		{exception.Subject{ID: "i-other"}, exception.None},
	} {
		if v := exception.Evaluate(req.Exceptions, tc.s, now); v.Status != tc.want {
			t.Errorf("exceptions of %+v: %v", tc.s, v)
		}
	}
	// A grace's due time in its calendar: from Thursday 24 December 2026 10:00, Christmas
	// (Friday) and the weekend are no business days: Monday 28 and Tuesday 29, at 10:00.
	due, err := req.Grace.Due(time.Date(2026, 12, 24, 10, 0, 0, 0, fr.Loc()), req.GraceCalendar)
	if err != nil || !due.Equal(time.Date(2026, 12, 29, 10, 0, 0, 0, fr.Loc())) {
		t.Errorf("due %v, %v", due, err)
	}

	off := set.Rules[1]
	if off.Grace.String() != "1d12h" || off.Schedule == nil || off.Schedule.Tag != "ec2guard:schedule" || off.Schedule.Default != office {
		t.Errorf("off-hours: %+v", off.Timing)
	}
	for _, tc := range []struct {
		tags map[string]string
		want string
	}{
		{nil, office.String()},
		{map[string]string{"ec2guard:schedule": "office-hours"}, office.String()},
		{map[string]string{"ec2guard:schedule": "off=18:00 tz=Europe/London holidays=fr"}, "off=18:00;tz=Europe/London;holidays=fr"},
	} {
		s, err := off.Schedule.For(tc.tags, set.Tables)
		if err != nil || s.String() != tc.want {
			t.Errorf("schedule for %v = %v, %v", tc.tags, s, err)
		}
	}
	if _, err := off.Schedule.For(map[string]string{"ec2guard:schedule": "weekend"}, set.Tables); err == nil {
		t.Error("a tag naming no schedule was taken")
	}
	paris := fr.Loc()
	if d := off.Schedule.Default.Decide(time.Date(2026, 12, 25, 9, 0, 0, 0, paris), resource.Stopped, time.Date(2026, 12, 24, 19, 1, 0, 0, paris)); d.Action != schedule.Leave {
		t.Errorf("Christmas morning: %v (%s)", d.Action, d.Reason)
	}
	if in := set.Rules[2].Schedule.Fixed; in == nil || in.String() != "off=20:00;tz=America/New_York" {
		t.Errorf("inline schedule %v", in)
	}
}

func TestLoadOwnersErrors(t *testing.T) {
	const head = "rules:\n  - name: a\n    pattern: {source: [aws.ec2]}\n    actions: [stop]\n"
	for _, tc := range []struct {
		name, src string
		files     map[string]string
		want      string
	}{
		{"unknown grace calendar", head + "    grace: {business-days: 2, calendar: de}\n", nil, "dir/r.yaml:5:41: grace: no calendar named \"de\" (define it under calendars:)"},
		{"bad grace", head + "    grace: 3 days\n", nil, "dir/r.yaml:5:12: grace \"3 days\""},
		{"business days out of range", head + "    grace: {business-days: 0}\n", nil, "dir/r.yaml:5:12: grace: business-days 0"},
		{"bad min-age", head + "    min-age: soon\n", nil, "dir/r.yaml:5:14: min-age \"soon\""},
		{"unknown schedule", head + "    schedule: weekend\n", nil, "dir/r.yaml:5:15: no schedule named \"weekend\""},
		{"unparsable inline schedule", head + "    schedule: off=25:00\n", nil, "dir/r.yaml:5:15: schedule: off: \"25:00\" is not a time of day"},
		{"unknown holiday calendar", "schedules:\n  s: {off: \"19:00\", holidays: de}\n" + head, nil, "dir/r.yaml:2:6: schedule s: holidays: no calendar named \"de\""},
		{"unknown timezone", "schedules:\n  s: {off: \"19:00\", timezone: Europe/Pariss}\n" + head, nil, "timezone: \"Europe/Pariss\" is not an IANA timezone name"},
		{"unknown schedule key", "schedules:\n  s: {of: \"19:00\"}\n" + head, nil, "dir/r.yaml:2:7: unknown schedule key \"of\""},
		{"unparsable expiry", head + "    exceptions: [{id: i-1, reason: r, until: next week}]\n", nil, "dir/r.yaml:5:46: until: expiry \"next week\" is not a date"},
		{"exception without reason", head + "    exceptions: [{tag: SPECIAL_EXCEPTION}]\n", nil, "dir/r.yaml:5:18: the exception has no reason"},
		{"exception naming nothing", head + "    exceptions: [{reason: r}]\n", nil, "an exception names a tag"},
		{"calendar timezone", "calendars:\n  fr: {timezone: Paris, dates: [2026-12-25]}\n" + head, nil, "dir/r.yaml:2:18: calendar fr: timezone"},
		{"calendar date", "calendars:\n  fr: {dates: [2026-02-30]}\n" + head, nil, "dir/r.yaml:2:16: calendar fr: date \"2026-02-30\" is not YYYY-MM-DD"},
		{"calendar without days", "calendars:\n  fr: {timezone: UTC}\n" + head, nil, "calendar fr has no dates and no ics file"},
		{"ics missing", "calendars:\n  fr: {ics: fr.ics}\n" + head, nil, "dir/r.yaml:2:13: calendar fr: reading dir/fr.ics"},
		{"ics error at its line", "calendars:\n  fr: {ics: fr.ics}\n" + head, map[string]string{"dir/fr.ics": "BEGIN:VEVENT\nDTSTART:20260101T100000Z\nEND:VEVENT\n"}, "dir/fr.ics:2:1: calendar fr: DTSTART: \"20260101T100000Z\" has a time"},
		{"webhook not https", "owners: o.yaml\n" + head, map[string]string{"dir/o.yaml": "fallback:\n  slack: http://hooks.slack.com/services/T/B/X\n"}, "dir/o.yaml:2:10: the fallback: slack: http://hooks.slack.com/… is not https"},
		{"owner map missing", "owners: o.yaml\n" + head, nil, "dir/r.yaml:1:9: owners: reading dir/o.yaml"},
		{"calendars defined twice", "calendars:\n  fr: {dates: [2026-12-25]}\n  fr: {dates: [2026-12-25]}\n" + head, nil, "dir/r.yaml:3:3: calendars: \"fr\" is defined twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load("dir/r.yaml", []byte(tc.src), Options{ReadFile: files(tc.files)})
			var errs Errors
			if !errors.As(err, &errs) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load = %v\nwant ...%s", err, tc.want)
			}
		})
	}
	// A tell-owner without a topic needs the file's owner map.
	if _, err := Load("dir/r.yaml", []byte("rules:\n  - name: a\n    pattern: {source: [aws.ec2]}\n    actions: [stop, tell-owner]\n"), Options{}); err == nil ||
		!strings.Contains(err.Error(), "dir/r.yaml:4:21: tell-owner has nobody to tell") {
		t.Errorf("tell-owner without recipients: %v", err)
	}
	// http to loopback passes with the test option alone.
	src := "owners: o.yaml\n" + head
	fs := files(map[string]string{"dir/o.yaml": "fallback: {webhook: \"http://127.0.0.1:9/hook\"}\n"})
	if _, err := Load("dir/r.yaml", []byte(src), Options{ReadFile: fs}); err == nil {
		t.Error("loopback http without the option")
	}
	if _, err := Load("dir/r.yaml", []byte(src), Options{ReadFile: fs, AllowLoopbackHTTP: true}); err != nil {
		t.Errorf("loopback http with the option: %v", err)
	}
}

func FuzzLoadOwners(f *testing.F) {
	f.Add([]byte(ownersRuleFile))
	f.Add([]byte("owners: {table: owners, topics: [\"arn:aws:sns:eu-west-1:111122223333:t-*\"], cache: 1m}\nrules: [{name: a, pattern: {source: [x]}, actions: [tell-owner]}]"))
	f.Add([]byte("schedules: {a: off=1:00}\nrules: [{name: a, pattern: {source: [x]}, actions: [stop], schedule: {tag: t, default: a}, grace: 0}]"))
	f.Fuzz(func(t *testing.T, src []byte) {
		set, err := Load("dir/rules.yaml", src, Options{ReadFile: files(ownersFiles)})
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %v is not a non-empty Errors", err)
			}
			return
		}
		for _, r := range set.Rules {
			if r.Schedule != nil && r.Schedule.Tag == "" && r.Schedule.Fixed == nil {
				t.Fatalf("rule %s has an empty schedule", r.Name)
			}
		}
	})
}

// A rule whose schedule picks between its start and stop is no loop: it acts only against its
// last transition, never on a change made after it. Without the schedule it is one.
func TestScheduleIsNoLoop(t *testing.T) {
	const rule = "rules:\n  - name: office\n    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running, stopped]}}\n    actions: [stop, start]\n"
	if _, err := Load("r.yaml", []byte(rule+"    schedule: off=19:00;on=08:00\n"), Options{Transitions: testTransitions}); err != nil {
		t.Errorf("with a schedule: %v", err)
	}
	if _, err := Load("r.yaml", []byte(rule), Options{Transitions: testTransitions}); err == nil || !strings.Contains(err.Error(), "loop") {
		t.Errorf("without a schedule: %v", err)
	}
}
