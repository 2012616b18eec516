package controls

import (
	"fmt"
	"io"
	"strings"
)

//go:generate go run ./gendocs ../docs/controls.md

// Markdown writes the reference page of the controls (docs/controls.md is generated with it;
// a test fails when the committed page drifts from the registry).
func Markdown(w io.Writer, cs []*Control) error {
	var b strings.Builder
	b.WriteString("<!-- Generated from the registry in controls by `go generate ./controls` (or `ec2guard controls --format markdown`). Do not edit. -->\n")
	b.WriteString("# EC2 controls\n\n")
	b.WriteString("`ec2guard scan --controls` evaluates these controls, and a rule file's `- control: ID` applies one. " +
		"Each control's filters are rule-file filters, checked and judged by the rule loader itself. A resource of the " +
		"control's kind passes, fails, is not applicable (outside the control's scope) or is an error (its read lacked " +
		"what the control needs).\n\n")
	b.WriteString(Table(cs, ""))
	for _, c := range cs {
		fmt.Fprintf(&b, "\n## %s\n\n**%s** — severity %s, judges %s\n\n", c.ID, c.Title, c.Severity, kindLabel(c))
		row := func(name, v string) {
			if v != "" {
				fmt.Fprintf(&b, "- %s: %s\n", name, v)
			}
		}
		row("Security Hub", c.SecurityHub)
		row("CIS AWS Foundations", strings.Join(c.CIS, ", "))
		row("Prowler", code(c.Prowler))
		b.WriteString("\n" + c.Rationale + "\n\n")
		if c.Scope != "" {
			fmt.Fprintf(&b, "**Judges** only what these filters select (the rest is not applicable: %s):\n\n```yaml\n%s```\n\n", c.OutOfScope, c.Scope)
		}
		b.WriteString("**Fails** when all the filters of a case hold:\n\n")
		for _, cs := range c.Fails {
			fmt.Fprintf(&b, "_%s_\n```yaml\n%s```\n", cs.Why, cs.Filters)
		}
		if len(c.Grades) > 0 {
			b.WriteString("\n**Severity** of a failing resource, the first that holds:\n\n")
			for _, g := range c.Grades {
				filters := "otherwise"
				if g.Filters != "" {
					filters = "`" + strings.ReplaceAll(strings.TrimSpace(strings.ReplaceAll(g.Filters, "- ", "")), "\n", "` and `") + "`"
				}
				fmt.Fprintf(&b, "- %s (%s): %s\n", g.Severity, g.Why, filters)
			}
		}
		fmt.Fprintf(&b, "\n**Passes:** %s.\n\n", c.Pass)
		if len(c.Params) > 0 {
			b.WriteString("**Parameters.**\n\n| name | Security Hub | default | meaning |\n|:--|:--|:--|:--|\n")
			for _, p := range c.Params {
				fmt.Fprintf(&b, "| `%s` | %s | `%s` | %s%s |\n", p.Name, p.AWSName, yamlValue(p.Default), p.Doc, p.bounds())
			}
			b.WriteString("\n")
		}
		events := "CloudTrail (ec2.amazonaws.com) " + code(c.Events)
		if len(c.States) > 0 {
			events = "EC2 Instance State-change Notification of " + code(c.States)
		}
		if c.Periodic {
			events += " (and a scan: only time makes a resource fail it)"
		}
		fmt.Fprintf(&b, "**Events**: %s\n\n", events)
		fmt.Fprintf(&b, "**Remediation.** %s\n\n", c.Remediation)
		if len(c.Actions) > 0 {
			fmt.Fprintf(&b, "**Actions.** %s\n\n", code(c.Actions))
		}
		b.WriteString("**References.**\n")
		for _, r := range c.References {
			fmt.Fprintf(&b, "- <%s>\n", r)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Table is the summary table of the controls (the docs page and the README hold it), each ID
// a link to its section of page (the page itself: "").
func Table(cs []*Control, page string) string {
	var b strings.Builder
	b.WriteString("| ID | Security Hub | CIS | Severity | Kind | Title |\n|:--|:--|:--|:--|:--|:--|\n")
	for _, c := range cs {
		fmt.Fprintf(&b, "| [%s](%s#%s) | %s | %s | %s | %s | %s |\n", c.ID, page, strings.ToLower(c.ID),
			dash(c.SecurityHub), dash(strings.Join(c.CIS, ", ")), c.Severity, c.Kind, c.Title)
	}
	return b.String()
}

func (p *Param) bounds() string {
	if p.Type == ParamInt {
		return fmt.Sprintf(" (%d to %d)", p.Min, p.Max)
	}
	return ""
}

func kindLabel(c *Control) string {
	if c.Account() {
		return "the account's settings in each region"
	}
	return string(c.Kind) + "s"
}

func code(ss []string) string {
	if len(ss) == 0 {
		return ""
	}
	return "`" + strings.Join(ss, "`, `") + "`"
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
