package checks

import "fmt"

var policyIdentityPrincipal = &Check{
	ID:       "IAM-POLICY-7",
	Title:    "Principal in an identity policy",
	Severity: Medium,
	Scope:    ScopeDocument,
	Rationale: "Principal and NotPrincipal belong to resource-based and trust policies. IAM rejects an identity policy " +
		"(a managed or inline policy of a user, group or role, or a permissions boundary) that has either: the policy or " +
		"its stack fails to deploy, and an author who wrote one to limit who may act limits nothing. Judged where the " +
		"document is known to be an identity policy: an authorization-details dump, a CloudFormation template, the live " +
		"account, get-*-policy output (a plain policy file may be a resource-based policy).",
	Remediation: "Remove the Principal element: the identity the policy is attached to is the principal. To limit the " +
		"caller, attach the policy only to the principals meant, or use a condition such as aws:PrincipalArn.",
	References: []string{
		"https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html",
	},
	Actions: []string{},
	Good: []Example{
		{Name: "no principal", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"}]}`},
	},
	Bad: []Example{
		{Name: "principal in a user's policy", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"ec2:StopInstances","Resource":"*"}]}`},
	},
	document: identityPrincipal,
}

func identityPrincipal(_ *Env, d *Document) []Finding {
	if d.Doc == nil || !d.Identity {
		return nil
	}
	var out []Finding
	for _, st := range d.Doc.Statements {
		elem := ""
		switch {
		case st.Principal != nil:
			elem = "Principal"
		case st.NotPrincipal != nil:
			elem = "NotPrincipal"
		default:
			continue
		}
		out = append(out, Finding{
			Policy: d.Name, Statement: st.Ref(), Actions: append(append([]string(nil), st.Action...), st.NotAction...), Resources: statementResources(st),
			Message: fmt.Sprintf("statement %s of an identity policy has %s: IAM rejects the policy", st.Ref(), elem),
			Loc:     st.Loc,
		})
	}
	return out
}
