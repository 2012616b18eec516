package checks

import (
	"fmt"
	"strings"

	"github.com/ec2guard/ec2guard/iam/catalog"
)

var policyUnknownAction = &Check{
	ID:       "IAM-POLICY-1",
	Title:    "Unknown service or action",
	Severity: Low,
	Scope:    ScopeDocument,
	Rationale: "IAM accepts action names that do not exist; they grant or deny nothing. A misspelled Deny protects nothing, " +
		"and a misspelled Allow hides what the author meant (the seed's own table lists ec2:InstanceSecurityGroup, which " +
		"is not an action). Every Action and NotAction entry, wildcards included, must match an action of the catalog.",
	Remediation: "Correct the service prefix or action name (see the Service Authorization Reference), or remove the entry.",
	References: []string{
		"https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html",
	},
	Actions: []string{"*"},
	Good: []Example{
		{Name: "real actions, any case", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["EC2:describeinstances","ec2:Start*","s3:GetObject"],"Resource":"*"}]}`},
		{Name: "everything", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"*","Resource":"*"}]}`},
	},
	Bad: []Example{
		{Name: "seed's non-action", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:InstanceSecurityGroup","Resource":"*"}]}`},
		{Name: "unknown service", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ecc2:TerminateInstances","Resource":"*"}]}`},
		{Name: "wildcard matching nothing", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["ec2:Terminat*Instance"],"Resource":"*"}]}`},
	},
	document: unknownActions,
}

func unknownActions(env *Env, d *Document) []Finding {
	if d.Doc == nil {
		return nil
	}
	var out []Finding
	for _, st := range d.Doc.Statements {
		var bad, why []string
		for _, a := range append(append([]string(nil), st.Action...), st.NotAction...) {
			if a == "*" || a == "" {
				continue
			}
			svc, _, ok := strings.Cut(a, ":")
			if !ok {
				continue // not service:action: IAM-POLICY-4 reports it
			}
			found := false
			env.Catalog.Each(a, func(*catalog.Action) { found = true })
			if found {
				continue
			}
			bad = append(bad, a)
			if _, known := env.Catalog.Service(svc); !known && !strings.ContainsAny(svc, "*?") {
				why = append(why, fmt.Sprintf("%s: unknown service %q", a, svc))
			} else {
				why = append(why, fmt.Sprintf("%s: no such action", a))
			}
		}
		if len(bad) > 0 {
			out = append(out, Finding{
				Policy: d.Name, Statement: st.Ref(), Actions: bad, Resources: statementResources(st),
				Message: strings.Join(why, "; "), Loc: st.Loc,
			})
		}
	}
	return out
}
