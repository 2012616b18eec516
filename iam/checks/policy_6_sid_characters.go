package checks

import "fmt"

var policySidCharacters = &Check{
	ID:       "IAM-POLICY-6",
	Title:    "Sid with characters IAM rejects",
	Severity: Medium,
	Scope:    ScopeDocument,
	Rationale: "In IAM policies the Sid may hold only ASCII letters and digits (A-Z, a-z, 0-9): IAM rejects a policy whose " +
		"Sid has a space, a hyphen, an underscore or any other character, so the policy or its stack fails to deploy. " +
		"Resource-based policies of other services (a document that names a Principal, when not known to be an identity " +
		"policy) allow more and are not judged.",
	Remediation: "Write the Sid with letters and digits only (AllowStopTagged, not allow-stop-tagged).",
	References: []string{
		"https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html",
	},
	Actions: []string{},
	Good: []Example{
		{Name: "letters and digits", Policy: `{"Version":"2012-10-17","Statement":[{"Sid":"AllowStop2","Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"}]}`},
	},
	Bad: []Example{
		{Name: "hyphen", Policy: `{"Version":"2012-10-17","Statement":[{"Sid":"allow-stop","Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"}]}`},
		{Name: "space", Policy: `{"Version":"2012-10-17","Statement":[{"Sid":"Allow stop","Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"}]}`},
	},
	document: sidCharacters,
}

func sidCharacters(_ *Env, d *Document) []Finding {
	if d.Doc == nil || !d.identityLike() {
		return nil
	}
	var out []Finding
	for _, st := range d.Doc.Statements {
		if bad, ok := firstNonAlnum(st.Sid); ok {
			out = append(out, Finding{
				Policy: d.Name, Statement: st.Ref(), Resources: statementResources(st),
				Message: fmt.Sprintf("Sid %q has %q: IAM accepts only ASCII letters and digits in a Sid and rejects the policy", st.Sid, bad),
				Loc:     st.Loc,
			})
		}
	}
	return out
}

// firstNonAlnum returns the first rune of s that is not an ASCII letter or digit.
func firstNonAlnum(s string) (rune, bool) {
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return r, true
		}
	}
	return 0, false
}
