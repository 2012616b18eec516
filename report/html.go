package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
)

//go:embed report.html.tmpl
var pageText string

//go:embed report.css
var pageCSS string

//go:embed report.js
var pageJS string

// ShownFailures is how many failing resources the page lists as HTML; the others travel
// as data that the script filters and lists, so a fleet of 100k resources stays a few
// megabytes and opens in a second. Without JavaScript the most severe ShownFailures show.
const ShownFailures = 500

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"sevClass": sevClass,
	"sevRank":  severityRank,
	"pct":      func(f float64) string { return fmt.Sprintf("%.1f", f) },
	"dash": func(s string) string {
		if s == "" {
			return "—"
		}
		return s
	},
	"pending": pending,
	"witness": witness,
	"join":    strings.Join,
	"lift":    func(a, b float64) float64 { return a + b },
	"stamp":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
}).Parse(pageText))

// sevClass is the CSS class of a severity, one of a fixed set whatever the input says.
func sevClass(s string) string {
	return [...]string{"sev-none", "sev-low", "sev-medium", "sev-high", "sev-critical"}[severityRank(s)]
}

// pending says what was or will be done about a failing resource: the action and its
// outcome, as the record gives them.
func pending(action, outcome string) string {
	switch {
	case action == "":
		return ""
	case outcome == "":
		return action
	}
	return action + " (" + outcome + ")"
}

// witness shows what a finding carries to prove itself: iam check's requests (principal,
// action, resource, context, confirmed or why not) one per line, a string as it is,
// anything else as compact JSON.
func witness(w json.RawMessage) string {
	if len(w) == 0 || string(w) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(w, &s) == nil {
		return s
	}
	var reqs []struct {
		Principal, Action, Resource, Note string
		Context                           map[string][]string
		Confirmed                         *bool
	}
	if json.Unmarshal(w, &reqs) == nil && len(reqs) > 0 && reqs[0].Action != "" {
		var b strings.Builder
		for i, r := range reqs {
			if i > 0 {
				b.WriteString("\n")
			}
			if r.Principal != "" {
				b.WriteString(r.Principal + " ")
			}
			b.WriteString(r.Action + " on " + r.Resource)
			keys := slices.Sorted(maps.Keys(r.Context))
			for _, k := range keys {
				b.WriteString(" " + k + "=" + strings.Join(r.Context[k], ","))
			}
			switch {
			case r.Confirmed != nil && *r.Confirmed:
				b.WriteString(" (allowed, confirmed)")
			case r.Confirmed != nil:
				b.WriteString(" (not confirmed")
				if r.Note != "" {
					b.WriteString(": " + r.Note)
				}
				b.WriteString(")")
			}
		}
		return b.String()
	}
	var v any
	if json.Unmarshal(w, &v) != nil {
		return string(w)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// failureData is every failing resource as the script reads it: each row a list of indexes
// into one table of strings (severity, control, account, region, kind, resource, owner,
// reason, pending action), for a fleet repeats most of them.
type failureData struct {
	S []string `json:"s"`
	R [][9]int `json:"r"`
}

func newFailureData(fs []Failure) failureData {
	d := failureData{R: make([][9]int, len(fs))}
	index := map[string]int{}
	intern := func(s string) int {
		i, ok := index[s]
		if !ok {
			i = len(d.S)
			index[s] = i
			d.S = append(d.S, s)
		}
		return i
	}
	for i, f := range fs {
		d.R[i] = [9]int{intern(f.Severity), intern(f.Control), intern(f.Account), intern(f.Region), intern(f.Kind),
			intern(f.Resource), intern(f.Owner), intern(f.Reason), intern(pending(f.Action, f.Outcome))}
	}
	return d
}

type view struct {
	*Posture
	CSS      template.CSS
	JS       template.JS
	Shown    []Failure
	Data     failureData
	Status   statusBar
	Bars     controlBars
	DayChart dayChart
}

// HTML writes the report as one self-contained page: styles, script and data inline, a
// content security policy that allows no request at all, tables and SVG charts drawn here
// so that it reads without JavaScript; the script only sorts and filters.
func HTML(w io.Writer, p *Posture) error {
	v := view{Posture: p, CSS: template.CSS(pageCSS), JS: template.JS(pageJS), Shown: p.Failures}
	if len(v.Shown) > ShownFailures {
		v.Shown = v.Shown[:ShownFailures]
	}
	v.Data = newFailureData(p.Failures)
	v.Status = newStatusBar(p.Totals)
	v.Bars = newControlBars(p.Controls)
	v.DayChart = newDayChart(p.Days, p.Outcomes)
	if err := page.Execute(w, v); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}
