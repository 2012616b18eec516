package checks

import (
	"fmt"
	"io"
	"strings"
)

//go:generate go run ./gendocs ../../docs/checks.md

// Markdown writes the reference page of the checks (docs/checks.md is generated with it; a
// test fails when the committed page drifts from the registry).
func Markdown(w io.Writer, checks []*Check) error {
	var b strings.Builder
	b.WriteString("<!-- Generated from the registry in iam/checks by `go generate ./iam/checks` (or `ec2guard iam checks --format markdown`). Do not edit. -->\n")
	b.WriteString("# IAM guardrail checks\n\n")
	b.WriteString("`ec2guard iam check` runs these checks. Principal checks ask the policy evaluator whether the access is really " +
		"granted (explicit Deny, NotAction, NotResource, conditions and permission boundaries honoured); document checks " +
		"look at each policy document once.\n\n")
	b.WriteString("| ID | Severity | Scope | Title |\n|:--|:--|:--|:--|\n")
	for _, c := range checks {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s |\n", c.ID, strings.ToLower(c.ID), c.Severity, c.Scope, c.Title)
	}
	for _, c := range checks {
		fmt.Fprintf(&b, "\n## %s\n\n**%s** — severity %s, %s scope\n\n", c.ID, c.Title, c.Severity, c.Scope)
		fmt.Fprintf(&b, "%s\n\n**Remediation.** %s\n\n", c.Rationale, c.Remediation)
		if len(c.Actions) > 0 {
			b.WriteString("**Actions.** ")
			for i, a := range c.Actions {
				if i > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "`%s`", a)
			}
			b.WriteString("\n\n")
		}
		b.WriteString("**References.**\n")
		for _, r := range c.References {
			fmt.Fprintf(&b, "- <%s>\n", r)
		}
		writeExamples(&b, "Passes", c.Good)
		writeExamples(&b, "Fails", c.Bad)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeExamples(b *strings.Builder, heading string, exs []Example) {
	fmt.Fprintf(b, "\n**%s:**\n", heading)
	for _, e := range exs {
		fmt.Fprintf(b, "\n_%s_\n```json\n%s\n```\n", e.Name, e.Policy)
		for _, a := range e.Attached {
			fmt.Fprintf(b, "\nand attached, not in the input: `%s`\n", a)
		}
	}
}

func (s Scope) String() string {
	switch s {
	case ScopeDocument:
		return "document"
	case ScopePrincipal:
		return "principal"
	}
	return fmt.Sprintf("scope(%d)", int(s))
}
