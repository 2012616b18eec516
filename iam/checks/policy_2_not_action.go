package checks

import (
	"fmt"

	"github.com/ec2guard/ec2guard/iam/policy"
)

var policyNotAction = &Check{
	ID:       "IAM-POLICY-2",
	Title:    "Allow with NotAction",
	Severity: Medium,
	Scope:    ScopeDocument,
	Rationale: "An Allow with NotAction grants every action of every service except those listed, including actions AWS " +
		"adds later. It almost always grants far more than intended (EC2 termination, IAM changes).",
	Remediation: "List the actions to allow with Action. Use NotAction only in Deny statements.",
	References: []string{
		"https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html",
	},
	Actions: []string{"*"},
	Good: []Example{
		{Name: "deny with NotAction", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}`},
	},
	Bad: []Example{
		{Name: "allow everything but IAM", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`},
	},
	document: notAction,
}

func notAction(env *Env, d *Document) []Finding {
	if d.Doc == nil {
		return nil
	}
	var out []Finding
	for _, st := range d.Doc.Statements {
		if st.Effect != policy.Allow || st.NotAction == nil {
			continue
		}
		excluded := 0
		for _, a := range env.Catalog.Expand("*") {
			if matchesAny(st.NotAction, a.FullName()) {
				excluded++
			}
		}
		out = append(out, Finding{
			Policy: d.Name, Statement: st.Ref(), Actions: append([]string(nil), st.NotAction...), Resources: statementResources(st),
			Message: fmt.Sprintf("Allow with NotAction grants every action except those listed: %d of the %d actions in the catalog, and any AWS adds",
				env.Catalog.NumActions()-excluded, env.Catalog.NumActions()),
			Loc: st.Loc,
		})
	}
	return out
}
