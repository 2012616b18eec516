package checks

import "github.com/ec2guard/ec2guard/iam/policy"

var policyNotResource = &Check{
	ID:       "IAM-POLICY-3",
	Title:    "Allow with NotResource",
	Severity: Medium,
	Scope:    ScopeDocument,
	Rationale: "An Allow with NotResource grants the actions on every resource except those listed, in every service the " +
		"actions reach and on resources created later.",
	Remediation: "List the resources to allow with Resource. Use NotResource only in Deny statements.",
	References: []string{
		"https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html",
	},
	Actions: []string{"*"},
	Good: []Example{
		{Name: "deny outside a bucket", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::logs","arn:aws:s3:::logs/*"]}]}`},
	},
	Bad: []Example{
		{Name: "allow all but one", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","NotResource":"arn:aws:ec2:*:*:instance/i-0prod"}]}`},
	},
	document: notResource,
}

func notResource(_ *Env, d *Document) []Finding {
	if d.Doc == nil {
		return nil
	}
	var out []Finding
	for _, st := range d.Doc.Statements {
		if st.Effect != policy.Allow || st.NotResource == nil {
			continue
		}
		acts := st.Action
		if acts == nil {
			acts = []string{}
		}
		out = append(out, Finding{
			Policy: d.Name, Statement: st.Ref(), Actions: append([]string(nil), acts...), Resources: statementResources(st),
			Message: "Allow with NotResource grants the actions on every resource except those listed", Loc: st.Loc,
		})
	}
	return out
}
