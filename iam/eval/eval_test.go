package eval

import (
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/iam/policy"
)

func mustParse(t testing.TB, name, src string) *policy.Document {
	t.Helper()
	d, err := policy.Parse(name, []byte(src))
	if err != nil {
		t.Fatalf("parsing %s: %v", name, err)
	}
	return d
}

func mustCompile(t testing.TB, set PolicySet) *Evaluator {
	t.Helper()
	e, err := Compile(set)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

const seedPolicy = `{
  "Version" : "2012-10-17",
  "Statement" : [
    {"Sid" : "LaunchEC2Instances", "Effect" : "Allow", "Action" : ["ec2:Describe*", "ec2:RunInstances"], "Resource" : ["*"]},
    {"Sid" : "AllowActionsIfYouAreTheOwner", "Effect" : "Allow",
     "Action" : ["ec2:StopInstances", "ec2:StartInstances", "ec2:RebootInstances", "ec2:TerminateInstances"],
     "Condition" : {"StringEquals" : {"ec2:ResourceTag/PrincipalId" : "${aws:userid}"}},
     "Resource"  : ["*"]}
  ]
}`

// The seed 004 scenario: tag-based ownership holds until the owner can retag.
func TestSeed004TagTakeover(t *testing.T) {
	const bob, alice = "AIDAJ7EQQEKFAVPO3NTQG", "AIDAALICEALICEALICE01"
	const aliceInstance = "arn:aws:ec2:us-east-1:111122223333:instance/i-0a11ce"
	stop := func(e *Evaluator, ownerTag string) Effect {
		return e.Decide(Request{
			Principal: "arn:aws:iam::111122223333:user/Bob", Action: "ec2:StopInstances", Resource: aliceInstance,
			Context: Context{"aws:userid": {bob}, "aws:username": {"Bob"}, "ec2:ResourceTag/PrincipalId": {ownerTag}},
		})
	}
	base := mustCompile(t, PolicySet{Identity: []*policy.Document{mustParse(t, "TagBasedEC2RestrictionsPolicy", seedPolicy)}})
	if got := stop(base, bob); got != Allowed {
		t.Errorf("Bob stopping his own instance: %v", got)
	}
	if got := stop(base, alice); got != ImplicitDeny {
		t.Errorf("Bob stopping Alice's instance: %v", got)
	}
	// Without CreateTags Bob cannot move the tag.
	retag := Request{Principal: "arn:aws:iam::111122223333:user/Bob", Action: "ec2:CreateTags", Resource: aliceInstance,
		Context: Context{"aws:userid": {bob}, "ec2:ResourceTag/PrincipalId": {alice}, "aws:RequestTag/PrincipalId": {bob}, "aws:TagKeys": {"PrincipalId"}}}
	if got := base.Decide(retag); got != ImplicitDeny {
		t.Fatalf("CreateTags without the grant: %v", got)
	}
	// Step 1: with unscoped ec2:CreateTags he retags Alice's instance with his own id...
	withTags := mustCompile(t, PolicySet{Identity: []*policy.Document{
		mustParse(t, "TagBasedEC2RestrictionsPolicy", seedPolicy),
		mustParse(t, "Tagging", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*"}}`),
	}})
	if got := withTags.Decide(retag); got != Allowed {
		t.Fatalf("step 1, retag Alice's instance: %v", got)
	}
	// ...step 2: the instance now carries his id, and he stops it.
	if got := stop(withTags, bob); got != Allowed {
		t.Errorf("step 2, stop the retagged instance: %v", got)
	}
	// A CreateTags grant scoped to untagged-at-creation resources closes the hole.
	scoped := mustCompile(t, PolicySet{Identity: []*policy.Document{
		mustParse(t, "TagBasedEC2RestrictionsPolicy", seedPolicy),
		mustParse(t, "Tagging", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringEquals":{"ec2:CreateAction":"RunInstances"}}}}`),
	}})
	if got := scoped.Decide(retag); got != ImplicitDeny {
		t.Errorf("scoped CreateTags on an existing instance: %v", got)
	}
	d := withTags.Evaluate(Request{Principal: "arn:aws:iam::111122223333:user/Bob", Action: "ec2:stopinstances", Resource: aliceInstance,
		Context: Context{"AWS:UserId": {bob}, "EC2:ResourceTag/PrincipalId": {bob}}})
	if d.Effect != Allowed || len(d.Deciding) != 1 || d.Deciding[0].Sid != "AllowActionsIfYouAreTheOwner" || d.Deciding[0].Loc.Line != 5 {
		t.Errorf("decision = %+v", d)
	}
}

func cond(op, key string, vals string) string {
	return `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"` + op + `":{"` + key + `":` + vals + `}}}}`
}

func TestConditionOperators(t *testing.T) {
	type ctx = Context
	tests := []struct {
		name, op, key, vals string
		ctx                 ctx
		want                bool
	}{
		// String
		{"StringEquals match", "StringEquals", "k:a", `"x"`, ctx{"k:a": {"x"}}, true},
		{"StringEquals case-sensitive value", "StringEquals", "k:a", `"x"`, ctx{"k:a": {"X"}}, false},
		{"StringEquals key case-insensitive", "StringEquals", "K:A", `"x"`, ctx{"k:a": {"x"}}, true},
		{"StringEquals absent", "StringEquals", "k:a", `"x"`, ctx{}, false},
		{"StringEquals any of list", "StringEquals", "k:a", `["y","x"]`, ctx{"k:a": {"x"}}, true},
		{"StringEquals no wildcard", "StringEquals", "k:a", `"x*"`, ctx{"k:a": {"xy"}}, false},
		{"StringNotEquals absent is true", "StringNotEquals", "k:a", `"x"`, ctx{}, true},
		{"StringNotEquals match", "StringNotEquals", "k:a", `["x","y"]`, ctx{"k:a": {"y"}}, false},
		{"StringNotEquals differ", "StringNotEquals", "k:a", `["x","y"]`, ctx{"k:a": {"z"}}, true},
		{"StringEqualsIgnoreCase", "StringEqualsIgnoreCase", "k:a", `"Prod"`, ctx{"k:a": {"PROD"}}, true},
		{"StringNotEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "k:a", `"Prod"`, ctx{"k:a": {"prod"}}, false},
		{"StringLike star", "StringLike", "k:a", `"dev-*"`, ctx{"k:a": {"dev-42"}}, true},
		{"StringLike qmark", "StringLike", "k:a", `"a?c"`, ctx{"k:a": {"abc"}}, true},
		{"StringLike qmark one char", "StringLike", "k:a", `"a?c"`, ctx{"k:a": {"abbc"}}, false},
		{"StringLike case-sensitive", "StringLike", "k:a", `"dev-*"`, ctx{"k:a": {"DEV-1"}}, false},
		{"StringNotLike", "StringNotLike", "k:a", `"dev-*"`, ctx{"k:a": {"prod"}}, true},
		{"StringEqualsIfExists absent", "StringEqualsIfExists", "k:a", `"x"`, ctx{}, true},
		{"StringEqualsIfExists present", "StringEqualsIfExists", "k:a", `"x"`, ctx{"k:a": {"y"}}, false},
		// Numeric
		{"NumericLessThan", "NumericLessThan", "k:n", `"10"`, ctx{"k:n": {"9"}}, true},
		{"NumericLessThan equal", "NumericLessThan", "k:n", `10`, ctx{"k:n": {"10"}}, false},
		{"NumericLessThanEquals", "NumericLessThanEquals", "k:n", `10`, ctx{"k:n": {"10"}}, true},
		{"NumericGreaterThan", "NumericGreaterThan", "k:n", `10`, ctx{"k:n": {"10.5"}}, true},
		{"NumericGreaterThanEquals", "NumericGreaterThanEquals", "k:n", `10`, ctx{"k:n": {"9"}}, false},
		{"NumericEquals", "NumericEquals", "k:n", `"1.0"`, ctx{"k:n": {"1"}}, true},
		{"NumericNotEquals", "NumericNotEquals", "k:n", `1`, ctx{"k:n": {"2"}}, true},
		{"Numeric bad request value", "NumericEquals", "k:n", `1`, ctx{"k:n": {"one"}}, false},
		{"Numeric absent", "NumericLessThan", "k:n", `1`, ctx{}, false},
		// Date
		{"DateGreaterThan", "DateGreaterThan", "aws:CurrentTime", `"2020-01-01T00:00:00Z"`, ctx{"aws:CurrentTime": {"2024-05-01T10:00:00Z"}}, true},
		{"DateLessThan", "DateLessThan", "aws:CurrentTime", `"2020-01-01T00:00:00Z"`, ctx{"aws:CurrentTime": {"2024-05-01T10:00:00Z"}}, false},
		{"DateEquals epoch", "DateEquals", "aws:EpochTime", `"1577836800"`, ctx{"aws:EpochTime": {"2020-01-01T00:00:00Z"}}, true},
		{"DateNotEquals", "DateNotEquals", "aws:CurrentTime", `"2020-01-01"`, ctx{"aws:CurrentTime": {"2020-01-02T00:00:00Z"}}, true},
		{"DateLessThanEquals", "DateLessThanEquals", "aws:CurrentTime", `"2020-01-01T00:00:00Z"`, ctx{"aws:CurrentTime": {"2020-01-01T00:00:00Z"}}, true},
		{"DateGreaterThanEquals", "DateGreaterThanEquals", "aws:CurrentTime", `"2020-01-02T00:00:00Z"`, ctx{"aws:CurrentTime": {"2020-01-01T00:00:00Z"}}, false},
		// Bool, Binary
		{"Bool true", "Bool", "aws:SecureTransport", `"true"`, ctx{"aws:SecureTransport": {"true"}}, true},
		{"Bool json bool", "Bool", "aws:SecureTransport", `false`, ctx{"aws:SecureTransport": {"true"}}, false},
		{"Bool absent", "Bool", "aws:MultiFactorAuthPresent", `"false"`, ctx{}, false},
		{"BoolIfExists absent", "BoolIfExists", "aws:MultiFactorAuthPresent", `"false"`, ctx{}, true},
		{"BinaryEquals", "BinaryEquals", "k:b", `"QmluYXJ5"`, ctx{"k:b": {"QmluYXJ5"}}, true},
		// IP
		{"IpAddress cidr", "IpAddress", "aws:SourceIp", `"203.0.113.0/24"`, ctx{"aws:SourceIp": {"203.0.113.9"}}, true},
		{"IpAddress outside", "IpAddress", "aws:SourceIp", `"203.0.113.0/24"`, ctx{"aws:SourceIp": {"203.0.114.9"}}, false},
		{"IpAddress v6", "IpAddress", "aws:SourceIp", `"2001:db8::/32"`, ctx{"aws:SourceIp": {"2001:db8::1"}}, true},
		{"NotIpAddress", "NotIpAddress", "aws:SourceIp", `["10.0.0.0/8","192.168.0.1"]`, ctx{"aws:SourceIp": {"192.168.0.1"}}, false},
		{"NotIpAddress absent", "NotIpAddress", "aws:SourceIp", `"10.0.0.0/8"`, ctx{}, true},
		// ARN
		{"ArnLike", "ArnLike", "aws:SourceArn", `"arn:aws:sns:*:123456789012:topic-*"`, ctx{"aws:SourceArn": {"arn:aws:sns:us-east-1:123456789012:topic-a"}}, true},
		{"ArnLike wildcard stays in segment", "ArnLike", "aws:SourceArn", `"arn:aws:sns:*:topic"`, ctx{"aws:SourceArn": {"arn:aws:sns:us-east-1:123456789012:topic"}}, false},
		{"ArnEquals", "ArnEquals", "aws:PrincipalArn", `"arn:aws:iam::1:role/r"`, ctx{"aws:PrincipalArn": {"arn:aws:iam::1:role/r"}}, true},
		{"ArnNotLike", "ArnNotLike", "aws:PrincipalArn", `"arn:aws:iam::*:role/admin-*"`, ctx{"aws:PrincipalArn": {"arn:aws:iam::1:role/dev"}}, true},
		{"ArnNotEquals absent", "ArnNotEquals", "aws:PrincipalArn", `"arn:aws:iam::1:role/r"`, ctx{}, true},
		// Null
		{"Null true absent", "Null", "aws:TokenIssueTime", `"true"`, ctx{}, true},
		{"Null true present", "Null", "aws:TokenIssueTime", `"true"`, ctx{"aws:TokenIssueTime": {"x"}}, false},
		{"Null false present", "Null", "aws:TokenIssueTime", `"false"`, ctx{"aws:TokenIssueTime": {"x"}}, true},
		{"Null false absent", "Null", "aws:TokenIssueTime", `false`, ctx{}, false},
		// Set operators
		{"ForAnyValue match", "ForAnyValue:StringEquals", "aws:TagKeys", `["a","b"]`, ctx{"aws:TagKeys": {"z", "b"}}, true},
		{"ForAnyValue none", "ForAnyValue:StringEquals", "aws:TagKeys", `["a","b"]`, ctx{"aws:TagKeys": {"z"}}, false},
		{"ForAnyValue absent", "ForAnyValue:StringEquals", "aws:TagKeys", `["a"]`, ctx{}, false},
		{"ForAnyValue negated absent", "ForAnyValue:StringNotEquals", "aws:TagKeys", `["a"]`, ctx{}, false},
		{"ForAnyValue negated", "ForAnyValue:StringNotEquals", "aws:TagKeys", `["a"]`, ctx{"aws:TagKeys": {"a", "b"}}, true},
		{"ForAllValues subset", "ForAllValues:StringEquals", "aws:TagKeys", `["a","b"]`, ctx{"aws:TagKeys": {"a", "b"}}, true},
		{"ForAllValues extra", "ForAllValues:StringEquals", "aws:TagKeys", `["a","b"]`, ctx{"aws:TagKeys": {"a", "c"}}, false},
		{"ForAllValues absent vacuous", "ForAllValues:StringEquals", "aws:TagKeys", `["a"]`, ctx{}, true},
		{"ForAllValues negated", "ForAllValues:StringNotLike", "aws:TagKeys", `["sys*"]`, ctx{"aws:TagKeys": {"a", "sysx"}}, false},
		{"ForAllValues negated ok", "ForAllValues:StringNotLike", "aws:TagKeys", `["sys*"]`, ctx{"aws:TagKeys": {"a", "b"}}, true},
		{"ForAnyValue IfExists absent", "ForAnyValue:StringLikeIfExists", "aws:TagKeys", `["a*"]`, ctx{}, true},
		{"single-valued op on multivalued key", "StringEquals", "aws:TagKeys", `"a"`, ctx{"aws:TagKeys": {"b", "a"}}, true},
		// Variables
		{"variable", "StringEquals", "ec2:ResourceTag/Owner", `"${aws:username}"`, ctx{"ec2:ResourceTag/Owner": {"bob"}, "aws:username": {"bob"}}, true},
		{"variable mismatch", "StringEquals", "ec2:ResourceTag/Owner", `"${aws:username}"`, ctx{"ec2:ResourceTag/Owner": {"alice"}, "aws:username": {"bob"}}, false},
		{"variable absent", "StringEquals", "ec2:ResourceTag/Owner", `"${aws:username}"`, ctx{"ec2:ResourceTag/Owner": {"${aws:username}"}}, false},
		{"variable default", "StringEquals", "ec2:ResourceTag/Owner", `"${aws:username, 'nobody'}"`, ctx{"ec2:ResourceTag/Owner": {"nobody"}}, true},
		{"principal tag variable", "StringEquals", "aws:ResourceTag/team", `"${aws:PrincipalTag/team}"`, ctx{"aws:ResourceTag/team": {"red"}, "aws:principaltag/TEAM": {"red"}}, true},
		{"escape star literal", "StringLike", "k:a", `"a${*}"`, ctx{"k:a": {"a*"}}, true},
		{"escape star not wildcard", "StringLike", "k:a", `"a${*}"`, ctx{"k:a": {"ab"}}, false},
		{"escape qmark and dollar", "StringEquals", "k:a", `"${?}${$}"`, ctx{"k:a": {"?$"}}, true},
		{"variable in like", "StringLike", "k:a", `"home/${aws:username}/*"`, ctx{"k:a": {"home/bob/x"}, "aws:username": {"bob"}}, true},
		{"unresolved variable fails a positive value only", "StringEquals", "k:a", `["${aws:username}","x"]`, ctx{"k:a": {"x"}}, true},
		{"unresolved variable defeats a negated operator", "StringNotEquals", "k:a", `["${aws:username}","x"]`, ctx{"k:a": {"y"}}, false},
		{"unresolved variable in ForAllValues negated", "ForAllValues:StringNotLike", "aws:TagKeys", `["${aws:username}"]`, ctx{"aws:TagKeys": {"y"}}, false},
		{"variable numeric", "NumericLessThan", "k:n", `"${k:max}"`, ctx{"k:n": {"3"}, "k:max": {"5"}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := mustCompile(t, PolicySet{Identity: []*policy.Document{mustParse(t, "p", cond(tc.op, tc.key, tc.vals))}})
			got := e.Decide(Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: tc.ctx}) == Allowed
			if got != tc.want {
				t.Errorf("%s %s %s with %v = %v, want %v", tc.op, tc.key, tc.vals, tc.ctx, got, tc.want)
			}
		})
	}
}

// With Version 2008-10-17 (or none) a variable is literal text.
func TestVariablesNeedVersion2012(t *testing.T) {
	src := `{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"k:a":"${aws:username}"}}}}`
	e := mustCompile(t, PolicySet{Identity: []*policy.Document{mustParse(t, "p", src)}})
	if e.Decide(Request{Action: "a:b", Resource: "*", Context: Context{"k:a": {"${aws:username}"}, "aws:username": {"x"}}}) != Allowed {
		t.Error("literal ${aws:username} did not match under the 2008 version")
	}
}

func TestActionsAndResources(t *testing.T) {
	tests := []struct {
		name, stmt, action, resource string
		want                         Effect
	}{
		{"exact", `"Action":"ec2:StopInstances","Resource":"*"`, "ec2:StopInstances", "arn:aws:ec2:us-east-1:1:instance/i-1", Allowed},
		{"action case-insensitive", `"Action":"EC2:stopinstances","Resource":"*"`, "ec2:StopInstances", "x", Allowed},
		{"action wildcard", `"Action":"ec2:Stop*","Resource":"*"`, "ec2:StopInstances", "x", Allowed},
		{"action qmark", `"Action":"ec2:?topInstances","Resource":"*"`, "ec2:StopInstances", "x", Allowed},
		{"other service", `"Action":"ec2:*","Resource":"*"`, "s3:GetObject", "x", ImplicitDeny},
		{"all actions", `"Action":"*","Resource":"*"`, "s3:GetObject", "x", Allowed},
		{"NotAction excludes", `"NotAction":"iam:*","Resource":"*"`, "iam:CreateUser", "x", ImplicitDeny},
		{"NotAction grants rest", `"NotAction":"iam:*","Resource":"*"`, "ec2:RunInstances", "x", Allowed},
		{"resource arn wildcard", `"Action":"*","Resource":"arn:aws:ec2:*:*:instance/*"`, "ec2:StopInstances", "arn:aws:ec2:eu-west-1:1:instance/i-1", Allowed},
		{"resource other type", `"Action":"*","Resource":"arn:aws:ec2:*:*:instance/*"`, "ec2:StopInstances", "arn:aws:ec2:eu-west-1:1:volume/v-1", ImplicitDeny},
		{"resource case-sensitive", `"Action":"*","Resource":"arn:aws:s3:::Bucket/*"`, "s3:GetObject", "arn:aws:s3:::bucket/k", ImplicitDeny},
		{"NotResource", `"Action":"*","NotResource":"arn:aws:s3:::secret/*"`, "s3:GetObject", "arn:aws:s3:::secret/k", ImplicitDeny},
		{"NotResource other", `"Action":"*","NotResource":"arn:aws:s3:::secret/*"`, "s3:GetObject", "arn:aws:s3:::public/k", Allowed},
		{"resource variable", `"Action":"*","Resource":"arn:aws:s3:::home/${aws:username}/*"`, "s3:GetObject", "arn:aws:s3:::home/bob/x", Allowed},
		{"resource variable other user", `"Action":"*","Resource":"arn:aws:s3:::home/${aws:username}/*"`, "s3:GetObject", "arn:aws:s3:::home/alice/x", ImplicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := `{"Version":"2012-10-17","Statement":{"Effect":"Allow",` + tc.stmt + `}}`
			e := mustCompile(t, PolicySet{Identity: []*policy.Document{mustParse(t, "p", src)}})
			if got := e.Decide(Request{Action: tc.action, Resource: tc.resource, Context: Context{"aws:username": {"bob"}}}); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLayers(t *testing.T) {
	allowAll := `{"Version":"2012-10-17","Statement":{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"}}`
	allowEC2 := `{"Version":"2012-10-17","Statement":{"Sid":"EC2","Effect":"Allow","Action":"ec2:*","Resource":"*"}}`
	denyStop := `{"Version":"2012-10-17","Statement":{"Sid":"NoStop","Effect":"Deny","Action":"ec2:StopInstances","Resource":"*"}}`
	resPolicy := `{"Version":"2012-10-17","Statement":{"Sid":"Bob","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/Bob"},"Action":"s3:GetObject","Resource":"*"}}`
	acctPolicy := `{"Version":"2012-10-17","Statement":{"Sid":"Acct","Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"*"}}`
	notPrincipalDeny := `{"Version":"2012-10-17","Statement":{"Sid":"OnlyAdmin","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/admin"},"Action":"s3:*","Resource":"*"}}`
	p := func(srcs ...string) []*policy.Document {
		var out []*policy.Document
		for _, s := range srcs {
			out = append(out, mustParse(t, "p", s))
		}
		return out
	}
	tests := []struct {
		name   string
		set    PolicySet
		action string
		want   Effect
	}{
		{"no policies", PolicySet{}, "ec2:StopInstances", ImplicitDeny},
		{"identity allows", PolicySet{Identity: p(allowAll)}, "ec2:StopInstances", Allowed},
		{"deny wins", PolicySet{Identity: p(allowAll, denyStop)}, "ec2:StopInstances", ExplicitDeny},
		{"boundary limits", PolicySet{Identity: p(allowAll), Boundary: p(allowEC2)}, "s3:GetObject", ImplicitDeny},
		{"boundary allows", PolicySet{Identity: p(allowAll), Boundary: p(allowEC2)}, "ec2:RunInstances", Allowed},
		{"boundary alone grants nothing", PolicySet{Boundary: p(allowAll)}, "ec2:RunInstances", ImplicitDeny},
		{"boundary deny", PolicySet{Identity: p(allowAll), Boundary: p(allowAll, denyStop)}, "ec2:StopInstances", ExplicitDeny},
		{"scp limits", PolicySet{Identity: p(allowAll), SCP: p(allowEC2)}, "s3:GetObject", ImplicitDeny},
		{"scp every level", PolicySet{Identity: p(allowAll), SCP: p(allowAll, allowEC2)}, "s3:GetObject", ImplicitDeny},
		{"scp allows", PolicySet{Identity: p(allowAll), SCP: p(allowAll, allowEC2)}, "ec2:RunInstances", Allowed},
		{"scp deny", PolicySet{Identity: p(allowAll), SCP: p(allowAll, denyStop)}, "ec2:StopInstances", ExplicitDeny},
		{"session limits", PolicySet{Identity: p(allowAll), Session: p(allowEC2)}, "s3:GetObject", ImplicitDeny},
		{"session allows", PolicySet{Identity: p(allowAll), Session: p(allowEC2)}, "ec2:StopInstances", Allowed},
		{"resource policy grants alone", PolicySet{Resource: p(resPolicy)}, "s3:GetObject", Allowed},
		{"resource policy account principal is trust, not a grant", PolicySet{Resource: p(acctPolicy)}, "s3:GetObject", ImplicitDeny},
		{"resource policy account principal with identity", PolicySet{Resource: p(acctPolicy), Identity: p(allowAll)}, "s3:GetObject", Allowed},
		{"resource policy still under scp", PolicySet{Resource: p(resPolicy), SCP: p(allowEC2)}, "s3:GetObject", ImplicitDeny},
		{"resource NotPrincipal deny", PolicySet{Identity: p(allowAll), Resource: p(notPrincipalDeny)}, "s3:GetObject", ExplicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := mustCompile(t, tc.set)
			req := Request{Principal: "arn:aws:iam::111122223333:user/Bob", Action: tc.action, Resource: "arn:aws:s3:::b/k"}
			if got := e.Decide(req); got != tc.want {
				t.Errorf("Decide = %v, want %v", got, tc.want)
			}
			if got := e.Evaluate(req); got.Effect != tc.want {
				t.Errorf("Evaluate = %+v, want %v", got, tc.want)
			}
		})
	}
	e := mustCompile(t, PolicySet{Identity: p(allowAll, denyStop), Boundary: p(allowEC2)})
	d := e.Evaluate(Request{Action: "ec2:StopInstances", Resource: "*"})
	if d.Effect != ExplicitDeny || len(d.Deciding) != 1 || d.Deciding[0].Sid != "NoStop" {
		t.Errorf("deny decision = %+v", d)
	}
	d = e.Evaluate(Request{Action: "s3:GetObject", Resource: "*"})
	if d.Effect != ImplicitDeny || d.Missing != LayerBoundary {
		t.Errorf("boundary decision = %+v", d)
	}
	d = e.Evaluate(Request{Action: "ec2:RunInstances", Resource: "*"})
	if d.Effect != Allowed || len(d.Deciding) != 2 || d.Deciding[0].Sid != "All" || d.Deciding[1].Sid != "EC2" {
		t.Errorf("allow decision = %+v", d)
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"", "", true}, {"*", "", true}, {"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false},
		{"*a", "bba", true}, {"a?", "a", false}, {"??", "é!", true}, {"**", "x", true}, {"a*", "b", false},
	}
	for _, tc := range tests {
		p := compilePattern(tc.pat, true, false)
		if got := globMatch(p.toks, tc.s, false, -1); got != tc.want {
			t.Errorf("glob(%q, %q) = %v", tc.pat, tc.s, got)
		}
	}
}

// How a resource-based Allow reaches a caller depends on how it names the caller (AWS
// policy evaluation logic; EVALUATION.md, "Resource-based policies"): the caller's own ARN
// (a session's session ARN) grants past the boundary and the session policy; "*" past the
// boundary, not past a session policy; a session's role ARN grants to the session but is
// limited by both, like the role's own policies.
func TestResourcePolicyAndSessions(t *testing.T) {
	const session = "arn:aws:sts::111122223333:assumed-role/dev/bob"
	const role = "arn:aws:iam::111122223333:role/dev"
	res := func(principal string) *policy.Document {
		return mustParse(t, "bucket", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"`+principal+`"},"Action":"s3:GetObject","Resource":"*"}}`)
	}
	ec2Only := mustParse(t, "limit", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:*","Resource":"*"}}`)
	s3Too := mustParse(t, "s3", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["ec2:*","s3:*"],"Resource":"*"}}`)
	denyNotOps := mustParse(t, "deny", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"},`+
		`{"Effect":"Deny","NotPrincipal":{"AWS":["`+role+`","`+session+`","arn:aws:iam::111122223333:user/bob"]},"Action":"s3:GetObject","Resource":"*"}]}`)
	tests := []struct {
		name   string
		caller string
		set    PolicySet
		want   Effect
	}{
		{"session: * limited by session policy", session, PolicySet{Resource: []*policy.Document{res("*")}, Session: []*policy.Document{ec2Only}}, ImplicitDeny},
		{"session named directly", session, PolicySet{Resource: []*policy.Document{res(session)}, Session: []*policy.Document{ec2Only}, Boundary: []*policy.Document{ec2Only}}, Allowed},
		{"session: * not limited by boundary", session, PolicySet{Resource: []*policy.Document{res("*")}, Boundary: []*policy.Document{ec2Only}}, Allowed},
		{"user: * not limited by boundary", "arn:aws:iam::111122223333:user/bob", PolicySet{Resource: []*policy.Document{res("*")}, Boundary: []*policy.Document{ec2Only}}, Allowed},
		{"user not limited by boundary", "arn:aws:iam::111122223333:user/bob", PolicySet{Resource: []*policy.Document{res("arn:aws:iam::111122223333:user/bob")}, Boundary: []*policy.Document{ec2Only}}, Allowed},
		{"session through its role", session, PolicySet{Resource: []*policy.Document{res(role)}}, Allowed},
		{"session through its role with a path", session, PolicySet{Resource: []*policy.Document{res("arn:aws:iam::111122223333:role/teams/dev")}}, Allowed},
		{"session through another role", session, PolicySet{Resource: []*policy.Document{res("arn:aws:iam::111122223333:role/devops")}}, ImplicitDeny},
		{"session through its role of another account", session, PolicySet{Resource: []*policy.Document{res("arn:aws:iam::999999999999:role/dev")}}, ImplicitDeny},
		{"session through its role: limited by boundary", session, PolicySet{Resource: []*policy.Document{res(role)}, Boundary: []*policy.Document{ec2Only}}, ImplicitDeny},
		{"session through its role: limited by session policy", session, PolicySet{Resource: []*policy.Document{res(role)}, Session: []*policy.Document{ec2Only}}, ImplicitDeny},
		{"session through its role: boundary allows", session, PolicySet{Resource: []*policy.Document{res(role)}, Boundary: []*policy.Document{s3Too}}, Allowed},
		{"NotPrincipal deny spares those listed", session, PolicySet{Resource: []*policy.Document{denyNotOps}}, Allowed},
		{"NotPrincipal deny spares the role's sessions", "arn:aws:sts::111122223333:assumed-role/dev/carol", PolicySet{Resource: []*policy.Document{denyNotOps}}, Allowed},
		{"NotPrincipal deny hits others", "arn:aws:iam::111122223333:user/alice", PolicySet{Resource: []*policy.Document{denyNotOps}}, ExplicitDeny},
		{"NotPrincipal deny hits every bounded caller", session, PolicySet{Resource: []*policy.Document{denyNotOps}, Boundary: []*policy.Document{s3Too}}, ExplicitDeny},
		{"NotPrincipal deny hits a bounded user it lists", "arn:aws:iam::111122223333:user/bob", PolicySet{Resource: []*policy.Document{denyNotOps}, Boundary: []*policy.Document{s3Too}, Identity: []*policy.Document{s3Too}}, ExplicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := mustCompile(t, tc.set)
			if got := e.Decide(Request{Principal: tc.caller, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// For a role session AWS sets aws:PrincipalArn to the role's ARN, so an SCP or a Deny that
// names the role by aws:PrincipalArn reaches its sessions.
func TestPrincipalKeys(t *testing.T) {
	for _, tc := range []struct {
		principal, arn, account, username string
	}{
		{"arn:aws:sts::111122223333:assumed-role/dev/bob", "arn:aws:iam::111122223333:role/dev", "111122223333", ""},
		{"arn:aws:iam::111122223333:user/ops/bob", "arn:aws:iam::111122223333:user/ops/bob", "111122223333", "bob"},
		{"arn:aws:iam::111122223333:role/dev", "arn:aws:iam::111122223333:role/dev", "111122223333", ""},
	} {
		ctx := PrincipalKeys(Context{"ec2:ResourceTag/o": {"x"}}, tc.principal)
		get := func(k string) string {
			v, _ := ctx.Lookup(k)
			return strings.Join(v, ",")
		}
		if get("aws:PrincipalArn") != tc.arn || get("aws:PrincipalAccount") != tc.account || get("aws:username") != tc.username || get("ec2:ResourceTag/o") != "x" {
			t.Errorf("%s: %v", tc.principal, ctx)
		}
	}
	given := PrincipalKeys(Context{"aws:principalarn": {"arn:aws:iam::111122223333:role/teams/dev"}}, "arn:aws:sts::111122223333:assumed-role/dev/bob")
	if v, _ := given.Lookup("aws:PrincipalArn"); len(v) != 1 || v[0] != "arn:aws:iam::111122223333:role/teams/dev" {
		t.Errorf("a given aws:PrincipalArn is kept: %v", given)
	}
	scp := mustParse(t, "scp", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},`+
		`{"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/dev"}}}]}`)
	id := mustParse(t, "id", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:*","Resource":"*"}}`)
	e := mustCompile(t, PolicySet{SCP: []*policy.Document{scp}, Identity: []*policy.Document{id}})
	const session = "arn:aws:sts::111122223333:assumed-role/dev/bob"
	if got := e.Decide(Request{Principal: session, Action: "ec2:TerminateInstances", Resource: "*", Context: PrincipalKeys(nil, session)}); got != ExplicitDeny {
		t.Errorf("an SCP naming the role by aws:PrincipalArn: %v, want explicit-deny for its session", got)
	}
}
