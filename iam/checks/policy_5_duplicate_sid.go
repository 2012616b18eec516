package checks

import (
	"fmt"

	"github.com/ec2guard/ec2guard/iam/policy"
)

var policyDuplicateSid = &Check{
	ID:       "IAM-POLICY-5",
	Title:    "Duplicate statement Sid",
	Severity: Medium,
	Scope:    ScopeDocument,
	Rationale: "IAM requires the Sid of each statement to be unique within a policy and rejects a policy in which two " +
		"statements share one: the policy, or the stack that creates it, fails to deploy, and a file checked here is not " +
		"what the account holds. Resource-based policies of other services (a document that names a Principal, when not " +
		"known to be an identity policy) follow their own service's rules and are not judged.",
	Remediation: "Give each statement its own Sid, or leave the Sid out.",
	References: []string{
		"https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html",
	},
	Actions: []string{},
	Good: []Example{
		{Name: "distinct Sids", Policy: `{"Version":"2012-10-17","Statement":[{"Sid":"Stop","Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"},{"Sid":"Start","Effect":"Allow","Action":"ec2:StartInstances","Resource":"*"}]}`},
	},
	Bad: []Example{
		{Name: "the same Sid twice", Policy: `{"Version":"2012-10-17","Statement":[{"Sid":"Ops","Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"},{"Sid":"Ops","Effect":"Allow","Action":"ec2:StartInstances","Resource":"*"}]}`},
	},
	document: duplicateSid,
}

func duplicateSid(_ *Env, d *Document) []Finding {
	if d.Doc == nil || !d.identityLike() {
		return nil
	}
	first := map[string]*policy.Statement{}
	var out []Finding
	for _, st := range d.Doc.Statements {
		if st.Sid == "" {
			continue
		}
		prev, dup := first[st.Sid]
		if !dup {
			first[st.Sid] = st
			continue
		}
		out = append(out, Finding{
			Policy: d.Name, Statement: st.Ref(), Resources: statementResources(st),
			Message: fmt.Sprintf("Sid %q is used by statements #%d and #%d: IAM rejects the policy", st.Sid, prev.Index, st.Index),
			Loc:     st.Loc,
		})
	}
	return out
}
