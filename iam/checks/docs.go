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
	b.WriteString("**How a principal check reasons.** It asks whether some request — the action, on a resource of the kind in " +
		"any region and account, with any tags and context — is allowed. The resource is a fresh one of its kind: an id of " +
		"the kind's own form that no policy names (so `instance/i-*` covers it and a list of instances does not), in each " +
		"region and account the policies name and in one they do not, carrying the keys every such resource has " +
		"(`ec2:Owner`, `ec2:ImageID` of an image) with values no policy names. Conditions on the keys the check is about " +
		"are evaluated on those values and on the policies' own constants; conditions on other keys (MFA, source IP) are " +
		"set aside: an Allow's are taken as met, a Deny's as possibly not met. The keys of a known principal's ARN " +
		"(`aws:PrincipalArn`, a role session's being its role's) are known.\n\n")
	b.WriteString("**The witness.** Each finding of a principal check carries the request that shows it: action, resource, " +
		"principal and condition keys, the set-aside conditions given values that meet the allowing statement and defeat " +
		"the Denys, decided again by the evaluator of `iam simulate` on the policies as written (`confirmed`). " +
		"`iam check --explain` prints the deciding statements; `iam simulate` given the same request allows it.\n\n")
	b.WriteString("**Exact where it models.** Resource patterns with `*` and `?` are regular languages, and so are the ids " +
		"of a kind (`i-0` and 16 hex digits, the form AWS issues): the fresh id is found by running the policies' patterns " +
		"together over the kind's ids, so it escapes every pattern that covers only some of them (`instance/i-0e*`) and " +
		"is matched by those that cover them all, alone (`instance/i-0*`) or together.\n\n")
	b.WriteString("**What is approximated.** Kinds without an id form of their own (names) get a name no policy uses. " +
		"Condition values are the policies' constants and fresh ones for the keys each check models, not every value. " +
		"CloudFormation conditions are taken as free (every combination of up to four is analysed).\n\n")
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
