package report

import (
	"fmt"
	"io"
	"strings"
)

// MarkdownFailures is how many failing resources the Markdown summary lists.
const MarkdownFailures = 20

// Markdown writes the posture as a short summary for a pull request or a chat: the totals,
// the failing controls, the most severe failing resources, remediations by outcome and IAM
// findings by check. Table cells are escaped so that no input breaks a table or adds markup.
func Markdown(w io.Writer, p *Posture) error {
	var b strings.Builder
	fmt.Fprintf(&b, "## EC2 posture\n\n")
	t := p.Totals
	fmt.Fprintf(&b, "**%d pass, %d fail, %d error, %d not applicable** over %d control records (%.1f%% of judged resources pass).\n\n",
		t.Pass, t.Fail, t.Error, t.NotApplicable, p.Records, t.Compliance())
	failing := 0
	for _, c := range p.Controls {
		if c.Fail+c.Error > 0 {
			failing++
		}
	}
	if failing > 0 {
		b.WriteString("| Control | Security Hub | Severity | Fail | Error | Pass |\n|---|---|---|--:|--:|--:|\n")
		for _, c := range p.Controls {
			if c.Fail+c.Error == 0 {
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %d |\n", cell(c.ID), cell(c.SecurityHub), cell(c.Severity), c.Fail, c.Error, c.Pass)
		}
		b.WriteString("\n")
	}
	if len(p.Failures) > 0 {
		n := min(len(p.Failures), MarkdownFailures)
		fmt.Fprintf(&b, "### Failing resources (%d of %d, most severe first)\n\n", n, len(p.Failures))
		b.WriteString("| Severity | Control | Account | Region | Resource | Owner | Reason | Pending action |\n|---|---|---|---|---|---|---|---|\n")
		for _, f := range p.Failures[:n] {
			fmt.Fprintf(&b, "| %s | %s | %s | %s | `%s` | %s | %s | %s |\n", cell(f.Severity), cell(f.Control), cell(f.Account), cell(f.Region),
				code(f.Resource), cell(f.Owner), cell(f.Reason), cell(pending(f.Action, f.Outcome)))
		}
		b.WriteString("\n")
	}
	if p.Decisions > 0 {
		fmt.Fprintf(&b, "### Remediations\n\n%d decisions with an action", p.Decisions)
		if len(p.Days) > 0 {
			fmt.Fprintf(&b, " from %s to %s", p.Days[0].Day, p.Days[len(p.Days)-1].Day)
		}
		b.WriteString(":")
		for i, o := range p.Outcomes {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, " %d %s", p.ByOutcome[o], cell(o))
		}
		b.WriteString(".\n\n")
	}
	if len(p.IAM) > 0 {
		fmt.Fprintf(&b, "### IAM findings (%d)\n\n| Check | Severity | Title | Findings |\n|---|---|---|--:|\n", len(p.IAM))
		for _, c := range p.IAMChecks {
			fmt.Fprintf(&b, "| %s | %s | %s | %d |\n", cell(c.ID), cell(c.Severity), cell(c.Title), c.Count)
		}
		b.WriteString("\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing the summary: %w", err)
	}
	return nil
}

// cell escapes text for a Markdown table cell: no pipe ends the cell, no newline the row,
// and no markup (links, emphasis, HTML) comes through.
var cellEscaper = strings.NewReplacer("\\", "\\\\", "|", "\\|", "\r", " ", "\n", " ", "<", "&lt;", ">", "&gt;",
	"*", "\\*", "_", "\\_", "[", "\\[", "]", "\\]", "`", "\\`", "#", "\\#", "!", "\\!")

func cell(s string) string {
	if s == "" {
		return "—"
	}
	return cellEscaper.Replace(s)
}

// code is text for a code span in a table cell: backticks and pipes cannot end it.
func code(s string) string {
	return strings.NewReplacer("`", "'", "|", "\\|", "\n", " ", "\r", " ").Replace(s)
}
