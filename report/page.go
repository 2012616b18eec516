package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html"
	"strconv"
	"strings"
)

// pageWriter writes the page; the first write error sticks and ends the writing.
type pageWriter struct {
	w   *bufio.Writer
	err error
}

// raw writes markup as it is (ours only: never a value from the input).
func (p *pageWriter) raw(ss ...string) {
	for _, s := range ss {
		if p.err == nil {
			_, p.err = p.w.WriteString(s)
		}
	}
}

// text writes a value escaped for element content and attribute values alike.
func (p *pageWriter) text(s string) { p.raw(html.EscapeString(s)) }

func (p *pageWriter) int(n int) { p.raw(strconv.Itoa(n)) }

// num writes a float as fmt's %v does (720, 12.5).
func (p *pageWriter) num(f float64) { p.raw(fmt.Sprint(f)) }

// fix writes a float with prec decimals.
func (p *pageWriter) fix(f float64, prec int) { p.raw(strconv.FormatFloat(f, 'f', prec, 64)) }

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func pct(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// sev writes a severity cell: its rank for sorting, its badge.
func (p *pageWriter) sev(s string) {
	p.raw(`<td data-v="`, strconv.Itoa(severityRank(s)), `"><span class="sev `, sevClass(s), `">`)
	p.text(dash(s))
	p.raw(`</span></td>`)
}

func (p *pageWriter) td(s string) {
	p.raw("<td>")
	p.text(s)
	p.raw("</td>")
}

func (p *pageWriter) tdClass(class, s string) {
	p.raw(`<td class="`, class, `">`)
	p.text(s)
	p.raw("</td>")
}

func (p *pageWriter) tdNum(n int) { p.tdClass("num", strconv.Itoa(n)) }

func (p *pageWriter) tdPct(f float64) {
	p.raw(`<td class="num" data-v="`, pct(f), `">`, pct(f), "%</td>")
}

// counts writes a posture's verdict cells: pass, fail, error, not applicable (when na), and
// the compliance.
func (p *pageWriter) counts(c Counts, na bool) {
	p.tdNum(c.Pass)
	p.tdNum(c.Fail)
	p.tdNum(c.Error)
	if na {
		p.tdNum(c.NotApplicable)
	}
	p.tdPct(c.Compliance())
}

// rect writes one segment of a chart.
func (p *pageWriter) rect(s segment, withY bool) {
	p.raw(`<rect class="`)
	p.text(s.Class)
	p.raw(`" x="`)
	p.fix(s.X, 1)
	if withY {
		p.raw(`" y="`)
		p.fix(s.Y, 1)
	} else {
		p.raw(`" y="0`)
	}
	p.raw(`" width="`)
	p.fix(s.W, 1)
	p.raw(`" height="`)
	if withY {
		p.fix(s.H, 1)
	} else {
		p.raw("28")
	}
	p.raw(`"><title>`)
	p.text(s.Title)
	p.raw("</title></rect>")
}

// filterBox is the search box of a table (shown when the script runs).
func (p *pageWriter) filterBox(table, what string, n int) {
	p.raw(`<p class="js-only"><input type="search" placeholder="filter `, what, `" data-filter="`, table, `" aria-label="filter `, what, `"> <span data-count="`, table, `">`)
	p.int(n)
	p.raw("</span> shown</p>\n")
}

func writePage(p *pageWriter, v *Posture, shown []Failure, data failureData) {
	p.raw(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ec2guard posture</title>
<style>`, pageCSS, `</style>
</head>
<body>
<header>
<h1>EC2 posture</h1>
<p class="meta">Made by ec2guard on `, v.Generated.UTC().Format("2006-01-02 15:04 UTC"), ` from <span id="n-records">`)
	p.int(v.Records)
	p.raw(`</span> control records, `)
	p.int(v.Decisions)
	p.raw(` remediation decisions and `)
	p.int(len(v.IAM))
	p.raw(` IAM findings.</p>
<nav><a href="#controls">Controls</a> <a href="#places">Accounts and regions</a> <a href="#owners">Owners</a> <a href="#failures">Failing resources</a> <a href="#remediations">Remediations</a> <a href="#iam">IAM</a></nav>
</header>
<main>
<section id="summary">
<div class="cards">
<div class="card pass"><span class="n" id="n-pass">`)
	p.int(v.Totals.Pass)
	p.raw(`</span> pass</div>
<div class="card fail"><span class="n" id="n-fail">`)
	p.int(v.Totals.Fail)
	p.raw(`</span> fail</div>
<div class="card error"><span class="n" id="n-error">`)
	p.int(v.Totals.Error)
	p.raw(`</span> error</div>
<div class="card not-applicable"><span class="n" id="n-na">`)
	p.int(v.Totals.NotApplicable)
	p.raw(`</span> not applicable</div>
<div class="card"><span class="n" id="compliance">`, pct(v.Totals.Compliance()), `%</span> of judged resources pass</div>
</div>
`)
	if st := newStatusBar(v.Totals); len(st.Segments) > 0 {
		p.raw(`<svg class="chart" role="img" aria-label="verdicts of every control record" width="`)
		p.num(st.Width)
		p.raw(`" height="28" viewBox="0 0 `)
		p.num(st.Width)
		p.raw(" 28\">\n")
		for _, s := range st.Segments {
			p.rect(s, false)
			p.raw("\n")
		}
		p.raw("</svg>")
	}
	p.raw("\n</section>\n\n")
	writeControls(p, v)
	writePlaces(p, v)
	writeOwners(p, v)
	writeFailures(p, v, shown, data)
	writeRemediations(p, v)
	writeIAM(p, v)
	p.raw(`</main>
<footer>ec2guard report · offline: no request leaves this page.</footer>
<script>`, pageJS, `</script>
</body>
</html>
`)
}

func writeControls(p *pageWriter, v *Posture) {
	p.raw("<section id=\"controls\">\n<h2>Posture per control</h2>\n")
	if len(v.Controls) == 0 {
		p.raw("<p class=\"empty\">No control records were given (scan --controls … --format json, then report --scan FILE).</p>\n</section>\n\n")
		return
	}
	b := newControlBars(v.Controls)
	p.raw(`<svg class="chart" role="img" aria-label="pass, fail and error per control" width="`)
	p.num(b.Width)
	p.raw(`" height="`)
	p.num(b.Height)
	p.raw(`" viewBox="0 0 `)
	p.num(b.Width)
	p.raw(" ")
	p.num(b.Height)
	p.raw("\">\n")
	for _, r := range b.Rows {
		p.raw(`<text x="0" y="`)
		p.fix(r.TextY, 1)
		p.raw(`">`)
		p.text(r.Label)
		p.raw("</text>")
		for _, s := range r.Segments {
			p.rect(s, true)
		}
		p.raw("\n")
	}
	p.raw("</svg>\n")
	if b.More > 0 {
		p.raw(`<p class="note">`)
		p.int(b.More)
		p.raw(" more controls are in the table.</p>")
	}
	p.raw("\n")
	p.filterBox("t-controls", "controls", len(v.Controls))
	p.raw(`<table id="t-controls" class="sortable">
<thead><tr><th>Control</th><th>Security Hub</th><th>Title</th><th data-type="num">Severity</th><th data-type="num">Pass</th><th data-type="num">Fail</th><th data-type="num">Error</th><th data-type="num">N/A</th><th data-type="num">Compliance</th></tr></thead>
<tbody>
`)
	for _, c := range v.Controls {
		p.raw("<tr>")
		p.td(c.ID)
		p.td(dash(c.SecurityHub))
		p.td(dash(c.Title))
		p.sev(c.Severity)
		p.counts(c.Counts, true)
		p.raw("</tr>\n")
	}
	p.raw("</tbody>\n</table>\n</section>\n\n")
}

func writePlaces(p *pageWriter, v *Posture) {
	p.raw("<section id=\"places\">\n<h2>Posture per account and region</h2>\n")
	if len(v.Places) == 0 {
		p.raw("<p class=\"empty\">None.</p>\n</section>\n\n")
		return
	}
	p.filterBox("t-places", "accounts and regions", len(v.Places))
	p.raw(`<table id="t-places" class="sortable">
<thead><tr><th>Account</th><th>Region</th><th data-type="num">Pass</th><th data-type="num">Fail</th><th data-type="num">Error</th><th data-type="num">N/A</th><th data-type="num">Compliance</th></tr></thead>
<tbody>
`)
	for _, c := range v.Places {
		p.raw("<tr>")
		p.td(dash(c.Account))
		p.td(dash(c.Region))
		p.counts(c.Counts, true)
		p.raw("</tr>\n")
	}
	p.raw("</tbody>\n</table>\n</section>\n\n")
}

func writeOwners(p *pageWriter, v *Posture) {
	p.raw("<section id=\"owners\">\n<h2>Posture per owner</h2>\n")
	if len(v.Owners) == 0 {
		p.raw("<p class=\"empty\">None.</p>\n</section>\n\n")
		return
	}
	p.filterBox("t-owners", "owners", len(v.Owners))
	p.raw(`<table id="t-owners" class="sortable">
<thead><tr><th>Owner</th><th data-type="num">Worst failure</th><th data-type="num">Pass</th><th data-type="num">Fail</th><th data-type="num">Error</th><th data-type="num">Compliance</th></tr></thead>
<tbody>
`)
	for _, o := range v.Owners {
		p.raw("<tr><td>")
		if o.Owner != "" {
			p.text(o.Owner)
		} else {
			p.raw("<em>no Owner tag</em>")
		}
		p.raw("</td>")
		p.sev(o.Worst)
		p.counts(o.Counts, false)
		p.raw("</tr>\n")
	}
	p.raw("</tbody>\n</table>\n</section>\n\n")
}

func writeFailures(p *pageWriter, v *Posture, shown []Failure, data failureData) {
	p.raw("<section id=\"failures\">\n<h2>Failing resources</h2>\n")
	if len(v.Failures) == 0 {
		p.raw("<p class=\"empty\">None.</p>\n</section>\n\n")
		return
	}
	p.raw(`<p class="js-only"><input type="search" placeholder="filter failing resources" data-filter="t-failures" aria-label="filter failing resources"> <span data-count="t-failures">`)
	p.int(len(shown))
	p.raw(`</span> shown of <span data-matched="t-failures">`)
	p.int(len(v.Failures))
	p.raw(`</span> matching</p>
<div class="scroll">
<table id="t-failures" class="sortable" data-source="failures-data" data-limit="`)
	p.int(len(shown))
	p.raw(`">
<thead><tr><th data-type="num">Severity</th><th>Control</th><th>Account</th><th>Region</th><th>Kind</th><th>Resource</th><th>Owner</th><th>Reason</th><th>Pending action</th></tr></thead>
<tbody>
`)
	for _, f := range shown {
		if f.Status == Error {
			p.raw(`<tr class="error">`)
		} else {
			p.raw("<tr>")
		}
		p.sev(f.Severity)
		p.td(f.Control)
		p.td(f.Account)
		p.td(f.Region)
		p.td(f.Kind)
		p.tdClass("id", f.Resource)
		p.td(f.Owner)
		p.td(f.Reason)
		p.td(pending(f.Action, f.Outcome))
		p.raw("</tr>\n")
	}
	p.raw("</tbody>\n</table>\n</div>\n")
	if len(v.Failures) > len(shown) {
		p.raw(`<p class="note">The `)
		p.int(len(shown))
		p.raw(" most severe of ")
		p.int(len(v.Failures))
		p.raw(" failing resources are listed; the filter above searches all of them.</p>")
	}
	// json.Marshal escapes <, > and & (as \u003c...), so the data cannot end the script element.
	b, err := json.Marshal(data)
	if err != nil && p.err == nil {
		p.err = err
	}
	p.raw("\n<script type=\"application/json\" id=\"failures-data\">", string(b), "</script>\n</section>\n\n")
}

func writeRemediations(p *pageWriter, v *Posture) {
	p.raw("<section id=\"remediations\">\n<h2>Remediations over time</h2>\n")
	if len(v.Days) == 0 {
		p.raw("<p class=\"empty\">No remediation decisions were given (report --decisions FILE).</p>\n</section>\n\n")
		return
	}
	c := newDayChart(v.Days, v.Outcomes)
	p.raw(`<svg class="chart" role="img" aria-label="remediation decisions per day by outcome" width="`)
	p.fix(c.Width, 0)
	p.raw(`" height="`)
	p.num(c.Height)
	p.raw(`" viewBox="0 0 `)
	p.fix(c.Width, 0)
	p.raw(" ")
	p.num(c.Height)
	p.raw("\">\n")
	for _, t := range c.Ticks {
		p.raw(`<line class="grid" x1="`)
		p.num(c.Left)
		p.raw(`" x2="`)
		p.fix(c.Width, 0)
		p.raw(`" y1="`)
		p.fix(t.Y, 1)
		p.raw(`" y2="`)
		p.fix(t.Y, 1)
		p.raw(`"/><text class="tick" x="`)
		p.num(c.Left)
		p.raw(`" dx="-4" y="`)
		p.fix(t.Y, 1)
		p.raw(`" dy="4" text-anchor="end">`)
		p.text(t.Label)
		p.raw("</text>\n")
	}
	for _, b := range c.Bars {
		for _, s := range b.Segments {
			p.rect(s, true)
		}
		if b.Label != "" {
			p.raw(`<text class="tick" x="`)
			p.fix(b.X, 1)
			p.raw(`" y="`)
			p.num(b.LabelY)
			p.raw(`" text-anchor="middle">`)
			p.text(b.Label)
			p.raw("</text>")
		}
		p.raw("\n")
	}
	for _, l := range c.Legend {
		p.raw(`<rect class="`)
		p.text(l.Class)
		p.raw(`" x="`)
		p.num(l.X)
		p.raw(`" y="`)
		p.fix(c.PlotH+32, 0)
		p.raw(`" width="12" height="12"/><text x="`)
		p.num(l.X)
		p.raw(`" dx="16" y="`)
		p.fix(c.PlotH+42, 0)
		p.raw(`">`)
		p.text(l.Label)
		p.raw("</text>\n")
	}
	p.raw("</svg>\n")
	if c.More > 0 {
		p.raw(`<p class="note">`)
		p.int(c.More)
		p.raw(" earlier days are in the table.</p>")
	}
	p.raw("\n<div class=\"scroll\">\n<table id=\"t-days\" class=\"sortable\">\n<thead><tr><th>Day</th>")
	for _, o := range v.Outcomes {
		p.raw(`<th data-type="num">`)
		p.text(o)
		p.raw("</th>")
	}
	p.raw("<th data-type=\"num\">Total</th></tr></thead>\n<tbody>\n")
	for _, d := range v.Days {
		p.raw("<tr>")
		p.td(d.Day)
		for _, o := range v.Outcomes {
			p.tdNum(d.ByOutcome[o])
		}
		p.tdNum(d.Total)
		p.raw("</tr>\n")
	}
	p.raw("</tbody>\n</table>\n</div>\n</section>\n\n")
}

func writeIAM(p *pageWriter, v *Posture) {
	p.raw("<section id=\"iam\">\n<h2>IAM findings</h2>\n")
	if len(v.IAM) == 0 {
		p.raw("<p class=\"empty\">No IAM findings were given (iam check --format json, then report --iam FILE).</p>\n</section>\n")
		return
	}
	p.raw(`<div class="two">
<table id="t-iam-checks" class="sortable">
<caption>By check</caption>
<thead><tr><th>Check</th><th data-type="num">Severity</th><th>Title</th><th data-type="num">Findings</th></tr></thead>
<tbody>
`)
	for _, c := range v.IAMChecks {
		p.raw("<tr>")
		p.td(c.ID)
		p.sev(c.Severity)
		p.td(c.Title)
		p.tdNum(c.Count)
		p.raw("</tr>\n")
	}
	p.raw(`</tbody>
</table>
<table id="t-iam-principals" class="sortable">
<caption>By principal</caption>
<thead><tr><th>Principal</th><th data-type="num">Worst</th><th>Checks</th><th data-type="num">Findings</th></tr></thead>
<tbody>
`)
	for _, c := range v.Principals {
		p.raw("<tr>")
		p.tdClass("id", dash(c.Principal))
		p.sev(c.Worst)
		p.td(strings.Join(c.Checks, ", "))
		p.tdNum(c.Count)
		p.raw("</tr>\n")
	}
	p.raw("</tbody>\n</table>\n</div>\n")
	p.filterBox("t-iam", "IAM findings", len(v.IAM))
	p.raw(`<table id="t-iam" class="sortable">
<thead><tr><th>Check</th><th data-type="num">Severity</th><th>Principal</th><th>Policy</th><th>Statement</th><th>Actions</th><th>Finding</th><th>Witness</th><th>Where</th></tr></thead>
<tbody>
`)
	for _, f := range v.IAM {
		p.raw("<tr>")
		p.td(f.ID)
		p.sev(f.Severity)
		p.tdClass("id", f.Principal)
		p.td(f.Policy)
		p.td(f.Statement)
		p.td(strings.Join(f.Actions, " "))
		p.raw("<td>")
		p.text(f.Message)
		if f.When != "" {
			p.raw(" <em>(when ")
			p.text(f.When)
			p.raw(")</em>")
		}
		p.raw("</td><td>")
		if w := witness(f.Witness); w != "" {
			p.raw("<code>")
			p.text(w)
			p.raw("</code>")
		}
		p.raw("</td><td>")
		if l := f.Location; l.File != "" {
			p.text(l.File + ":" + strconv.Itoa(l.Line) + ":" + strconv.Itoa(l.Column))
		}
		p.raw("</td></tr>\n")
	}
	p.raw("</tbody>\n</table>\n</section>\n")
}
