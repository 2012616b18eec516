// Package report writes the findings of `ec2guard iam check` as text for people, JSON for
// programs, and SARIF 2.1.0 for code scanning (GitHub accepts it as is).
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/ec2guard/ec2guard/iam/analyze"
	"github.com/ec2guard/ec2guard/iam/checks"
)

// Formats lists the output formats.
var Formats = []string{"text", "json", "sarif"}

// Options shape a report.
type Options struct {
	Version string // the tool's version SARIF names
	// Color puts ANSI colours in the text report. The caller decides: only on a terminal,
	// never when NO_COLOR is set.
	Color bool
	// Explain prints, under each finding's witness, the statements that decide it.
	Explain bool
}

// Write writes the result in the format.
func Write(w io.Writer, format string, res *analyze.Result, opts Options) error {
	switch format {
	case "text":
		return Text(w, res, opts)
	case "json":
		return JSON(w, res)
	case "sarif":
		return SARIF(w, res, checks.All(), opts.Version)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// ANSI styles of the text report.
const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
)

var severityStyle = map[checks.Severity]string{
	checks.Critical: "\x1b[1;31m", // bold red
	checks.High:     "\x1b[31m",   // red
	checks.Medium:   "\x1b[33m",   // yellow
	checks.Low:      "\x1b[36m",   // cyan
}

// Text writes one block per finding — "file:line:col: ID [severity] title", then the
// principal, policy and statement, actions, resources and message under aligned labels —
// then the summary. With color the ID is bold and the severity coloured. A principal
// finding's witness follows (the request that shows the access, with "confirmed" when the
// evaluator allows it on the policies as written); with explain, its deciding statements.
func Text(w io.Writer, res *analyze.Result, opts Options) error {
	color := opts.Color
	style := func(s, ansi string) string {
		if !color || ansi == "" {
			return s
		}
		return ansi + s + ansiReset
	}
	var b strings.Builder
	for _, f := range res.Findings {
		loc := f.Loc.String()
		if f.Loc.File == "" {
			loc = "(live)"
		}
		fmt.Fprintf(&b, "%s: %s %s %s\n", loc, style(f.ID, ansiBold), style("["+f.Severity.String()+"]", severityStyle[f.Severity]), f.Title)
		if f.Principal != "" {
			fmt.Fprintf(&b, "  principal: %s\n", f.Principal)
		}
		stmt := f.Statement
		if stmt == "" {
			stmt = "-"
		}
		fmt.Fprintf(&b, "  policy:    %s, statement %s\n", f.Policy, stmt)
		if len(f.Actions) > 0 {
			fmt.Fprintf(&b, "  actions:   %s\n", strings.Join(f.Actions, ", "))
		}
		if len(f.Resources) > 0 {
			fmt.Fprintf(&b, "  resources: %s\n", strings.Join(f.Resources, ", "))
		}
		if f.When != "" {
			fmt.Fprintf(&b, "  when:      %s\n", f.When)
		}
		for _, wi := range f.Witness {
			writeWitness(&b, &wi, opts.Explain)
		}
		fmt.Fprintf(&b, "  %s\n\n", f.Message)
	}
	s := res.Summary
	fmt.Fprintf(&b, "%d finding%s (%s) in %d polic%s, %d principal%s", s.Findings, plural(s.Findings, "", "s"),
		bySeverity(s.BySeverity), s.Policies, plural(s.Policies, "y", "ies"), s.Principals, plural(s.Principals, "", "s"))
	if s.Excluded > 0 {
		fmt.Fprintf(&b, "; %d excluded by the configuration", s.Excluded)
	}
	if s.Skipped > 0 {
		fmt.Fprintf(&b, "; %d file%s skipped (not IAM inputs)", s.Skipped, plural(s.Skipped, "", "s"))
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeWitness writes "witness: ACTION on RESOURCE [as PRINCIPAL] [with k=v; ...] (confirmed)".
func writeWitness(b *strings.Builder, w *checks.Witness, explain bool) {
	fmt.Fprintf(b, "  witness:   %s on %s", w.Action, w.Resource)
	if w.Principal != "" {
		fmt.Fprintf(b, " as %s", w.Principal)
	}
	if len(w.Context) > 0 {
		keys := make([]string, 0, len(w.Context))
		for k := range w.Context {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + strings.Join(w.Context[k], ",")
		}
		fmt.Fprintf(b, " with %s", strings.Join(parts, "; "))
	}
	if w.Confirmed {
		b.WriteString(" (confirmed)\n")
	} else {
		fmt.Fprintf(b, " (not confirmed: %s)\n", w.Note)
	}
	if explain {
		for _, d := range w.Deciding {
			fmt.Fprintf(b, "    decided by %s\n", d)
		}
	}
}

func bySeverity(m map[string]int) string {
	var parts []string
	for s := checks.Critical; s >= checks.Low; s-- {
		if n := m[s.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

type jsonLocation struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

type jsonFinding struct {
	checks.Finding
	Location jsonLocation `json:"location"`
}

// JSON writes {"findings":[...],"summary":{...}}.
func JSON(w io.Writer, res *analyze.Result) error {
	out := struct {
		Findings []jsonFinding   `json:"findings"`
		Summary  analyze.Summary `json:"summary"`
	}{Findings: make([]jsonFinding, len(res.Findings)), Summary: res.Summary}
	for i, f := range res.Findings {
		// Lists are [] when empty, never null: consumers index them without a check.
		f.Actions, f.Resources = nonNil(f.Actions), nonNil(f.Resources)
		out.Findings[i] = jsonFinding{Finding: f, Location: jsonLocation{File: f.Loc.File, Line: f.Loc.Line, Column: f.Loc.Column}}
	}
	if out.Summary.BySeverity == nil {
		out.Summary.BySeverity = map[string]int{}
	}
	if out.Summary.ByCheck == nil {
		out.Summary.ByCheck = map[string]int{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// securitySeverity is GitHub's numeric severity (critical ≥ 9, high ≥ 7, medium ≥ 4).
var securitySeverity = map[checks.Severity]string{checks.Low: "3.0", checks.Medium: "5.5", checks.High: "8.0", checks.Critical: "9.5"}

func level(s checks.Severity) string {
	switch {
	case s >= checks.High:
		return "error"
	case s == checks.Medium:
		return "warning"
	}
	return "note"
}

// SARIF writes a SARIF 2.1.0 log with one rule per check and one result per finding, in
// the form GitHub code scanning takes: relative URIs, 1-based regions, a security-severity
// per rule, partial fingerprints. Findings without a file (--live) get a logical location
// only: SARIF allows it, code scanning does not, so upload the results of a
// get-account-authorization-details dump instead.
func SARIF(w io.Writer, res *analyze.Result, rules []*checks.Check, version string) error {
	type msg struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown,omitempty"`
	}
	type rule struct {
		ID                   string         `json:"id"`
		Name                 string         `json:"name"`
		ShortDescription     msg            `json:"shortDescription"`
		FullDescription      msg            `json:"fullDescription"`
		Help                 msg            `json:"help"`
		HelpURI              string         `json:"helpUri,omitempty"`
		DefaultConfiguration map[string]any `json:"defaultConfiguration"`
		Properties           map[string]any `json:"properties"`
	}
	type region struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
	type physical struct {
		ArtifactLocation map[string]string `json:"artifactLocation"`
		Region           *region           `json:"region,omitempty"`
	}
	type location struct {
		PhysicalLocation *physical           `json:"physicalLocation,omitempty"`
		LogicalLocations []map[string]string `json:"logicalLocations,omitempty"`
	}
	type result struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             msg               `json:"message"`
		Locations           []location        `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Properties          map[string]any    `json:"properties"`
	}
	// A configuration can override a check's severity; its findings carry the effective
	// one, and so must its rule, which is where code scanning reads the severity from.
	effective := map[string]checks.Severity{}
	for _, f := range res.Findings {
		effective[f.ID] = f.Severity
	}
	index := map[string]int{}
	rs := make([]rule, len(rules))
	for i, c := range rules {
		index[c.ID] = i
		sev := c.Severity
		if s, ok := effective[c.ID]; ok {
			sev = s
		}
		rs[i] = rule{
			ID: c.ID, Name: ruleName(c.Title),
			ShortDescription:     msg{Text: c.Title},
			FullDescription:      msg{Text: c.Rationale},
			Help:                 msg{Text: c.Remediation, Markdown: "**Remediation.** " + c.Remediation + "\n\n" + refsMarkdown(c.References)},
			DefaultConfiguration: map[string]any{"level": level(sev)},
			Properties: map[string]any{
				"security-severity": securitySeverity[sev],
				"tags":              []string{"security", "iam", strings.ToLower(strings.Split(c.ID, "-")[1])},
				"precision":         "high",
			},
		}
		if len(c.References) > 0 {
			rs[i].HelpURI = c.References[0]
		}
	}
	results := make([]result, 0, len(res.Findings))
	for _, f := range res.Findings {
		i, ok := index[f.ID]
		if !ok {
			return fmt.Errorf("writing SARIF: finding of unknown check %s", f.ID)
		}
		text := f.Message
		if f.Principal != "" {
			text = f.Principal + ": " + text
		}
		if f.When != "" {
			text += " (when " + f.When + ")"
		}
		r := result{
			RuleID: f.ID, RuleIndex: i, Level: level(f.Severity), Message: msg{Text: text},
			PartialFingerprints: map[string]string{"ec2guardFinding/v1": fingerprint(f)},
			Properties: map[string]any{
				"principal": f.Principal, "policy": f.Policy, "statement": f.Statement, "actions": f.Actions,
				"resources": f.Resources, "security-severity": securitySeverity[f.Severity],
			},
		}
		if len(f.Witness) > 0 {
			r.Properties["witness"] = f.Witness
		}
		if f.When != "" {
			r.Properties["when"] = f.When
		}
		loc := location{LogicalLocations: []map[string]string{{"name": f.Policy + "/" + f.Statement, "kind": "policy"}}}
		if f.Loc.File != "" {
			line := max(f.Loc.Line, 1)
			loc.PhysicalLocation = &physical{
				ArtifactLocation: map[string]string{"uri": toURI(f.Loc.File)},
				Region:           &region{StartLine: line, StartColumn: max(f.Loc.Column, 1)},
			}
		}
		r.Locations = []location{loc}
		results = append(results, r)
	}
	log := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool": map[string]any{"driver": map[string]any{
				"name": "ec2guard", "informationUri": "https://github.com/ec2guard/ec2guard",
				"version": version, "semanticVersion": version, "rules": rs,
			}},
			"results":           results,
			"columnKind":        "unicodeCodePoints",
			"automationDetails": map[string]string{"id": "ec2guard/iam-check/"},
			"properties":        map[string]any{"catalog": res.Summary.Catalog},
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("writing SARIF: %w", err)
	}
	return nil
}

// ruleName turns a title into the PascalCase name SARIF viewers show.
func ruleName(title string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(title, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') }) {
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

func refsMarkdown(refs []string) string {
	var b strings.Builder
	for _, r := range refs {
		fmt.Fprintf(&b, "- <%s>\n", r)
	}
	return b.String()
}

// toURI makes a URI of a path: a relative path stays relative and slash-separated (code
// scanning resolves it against the repository root); an absolute one becomes a file URI.
// Characters that are not allowed in a URI path (spaces, %, #, ?, non-ASCII) are escaped.
func toURI(file string) string {
	p := path.Clean(strings.ReplaceAll(file, "\\", "/"))
	if len(p) >= 3 && p[1] == ':' && p[2] == '/' && ('a' <= p[0]|0x20 && p[0]|0x20 <= 'z') { // a Windows drive
		p = "/" + p
	}
	if strings.HasPrefix(p, "/") {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	// String, unlike EscapedPath, guards a colon in the first segment (which would read
	// as a scheme) with "./".
	return (&url.URL{Path: p}).String()
}

// fingerprint identifies a finding across runs independently of line moves.
func fingerprint(f checks.Finding) string {
	acts := append([]string(nil), f.Actions...)
	sort.Strings(acts)
	return fmt.Sprintf("%s|%s|%s|%s|%s", f.ID, f.Principal, f.Policy, f.Statement, strings.Join(acts, ","))
}
