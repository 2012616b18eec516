package report

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

//go:embed report.css
var pageCSS string

//go:embed report.js
var pageJS string

// ShownFailures is how many failing resources the page lists as HTML; the others travel
// as data that the script filters and lists, so a fleet of 100k resources stays a few
// megabytes and opens in a second. Without JavaScript the most severe ShownFailures show.
const ShownFailures = 500

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

// HTML writes the report as one self-contained page: styles, script and data inline, a
// content security policy that allows no request at all, tables and SVG charts drawn here
// so that it reads without JavaScript; the script only sorts and filters. The page is
// written by page.go's code, every value escaped, not by html/template: a template calls
// methods by name through reflection, which stops the linker from dropping unused code,
// and the binary (every command's, the Lambda function's cold start included) was 3.7
// times the size.
func HTML(w io.Writer, p *Posture) error {
	shown := p.Failures
	if len(shown) > ShownFailures {
		shown = shown[:ShownFailures]
	}
	pw := &pageWriter{w: bufio.NewWriterSize(w, 64<<10)}
	writePage(pw, p, shown, newFailureData(p.Failures))
	if pw.err == nil {
		pw.err = pw.w.Flush()
	}
	if pw.err != nil {
		return fmt.Errorf("writing the report: %w", pw.err)
	}
	return nil
}
