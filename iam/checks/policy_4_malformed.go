package checks

import (
	"fmt"
	"strings"

	"github.com/ec2guard/ec2guard/iam/policy"
)

var policyMalformed = &Check{
	ID:       "IAM-POLICY-4",
	Title:    "Malformed or invalid policy",
	Severity: High,
	Scope:    ScopeDocument,
	Rationale: "IAM rejects a policy that is not valid JSON or breaks the policy grammar (unknown elements, an Effect other " +
		"than Allow or Deny, an unknown Version, an empty Statement, a statement without Action, a statement without " +
		"Resource in an identity policy, an unknown condition operator, a Resource that is neither \"*\" nor an ARN), and a policy that uses ${...} variables without " +
		"Version 2012-10-17 compares the variable text literally. Such a policy does not do what its author meant.",
	Remediation: "Fix the reported element at the reported line and column; use Version \"2012-10-17\".",
	References: []string{
		"https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html",
		"https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html",
	},
	Actions: []string{},
	Good: []Example{
		{Name: "valid", Policy: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"}}`},
		{Name: "variables with the right version", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}`},
	},
	Bad: []Example{
		{Name: "not JSON", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",}]}`},
		{Name: "bad effect", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"ec2:StopInstances","Resource":"*"}]}`},
		{Name: "bad version", Policy: `{"Version":"2012-10-18","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"}]}`},
		{Name: "bad operator", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*","Condition":{"StringEqual":{"aws:ResourceTag/Owner":"me"}}}]}`},
		{Name: "empty statement list", Policy: `{"Version":"2012-10-17","Statement":[]}`},
		{Name: "no resource", Policy: `{"Version":"2012-10-17","Statement":[{"Sid":"Stop","Effect":"Allow","Action":"ec2:StopInstances"}]}`},
		{Name: "resource not an ARN", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"my-bucket/*"}]}`},
		{Name: "variables without version", Policy: `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}]}`},
	},
	document: malformed,
}

func malformed(_ *Env, d *Document) []Finding {
	var out []Finding
	add := func(loc policy.Location, stmt, msg string) {
		out = append(out, Finding{Policy: d.Name, Statement: stmt, Message: msg, Loc: loc})
	}
	if d.Err != nil {
		for _, is := range d.Err.Issues {
			add(is.Loc, "", is.Msg)
		}
	}
	if d.Doc == nil {
		return out
	}
	usesVars := false
	for _, st := range d.Doc.Statements {
		// IAM rejects an identity or resource policy statement without Resource or
		// NotResource; only trust policies (which name a Principal) leave it out.
		if st.Resource == nil && st.NotResource == nil && st.Principal == nil && st.NotPrincipal == nil && usable(st) {
			add(st.Loc, st.Ref(), fmt.Sprintf("statement %s has no Resource or NotResource: IAM rejects the policy", st.Ref()))
		}
		for _, r := range append(append([]string(nil), st.Resource...), st.NotResource...) {
			if r != "*" && !strings.HasPrefix(r, "arn:") {
				add(st.Loc, st.Ref(), fmt.Sprintf("resource %q is neither \"*\" nor an ARN", r))
			}
			usesVars = usesVars || strings.Contains(r, "${")
		}
		for _, c := range st.Conditions {
			for _, v := range c.Values {
				usesVars = usesVars || strings.Contains(v, "${")
			}
		}
	}
	if usesVars && d.Doc.Version != policy.Version2012 {
		add(d.Doc.Loc, "", "the policy uses ${...} variables but its Version is not \"2012-10-17\": they are compared as literal text")
	}
	return out
}
