package checks

import (
	"testing"

	"github.com/ec2guard/ec2guard/iam/internal/seedtest"
)

func TestTerminate(t *testing.T) {
	seed004 := seedtest.TagBasedEC2RestrictionsPolicy(t)
	const term = "ec2:TerminateInstances"
	runTable(t, ec2Terminate, []tcase{
		{name: "string form", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*"}`)}, want: []string{term}},
		{name: "list form", docs: []string{pol(`{"Effect":"Allow","Action":["ec2:TerminateInstances"],"Resource":["*"]}`)}, want: []string{term}},
		{name: "mixed case", docs: []string{pol(`{"Effect":"Allow","Action":"EC2:terminateINSTANCES","Resource":"*"}`)}, want: []string{term}},
		{name: "ec2:*", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`)}, want: []string{term}},
		{name: "star", docs: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*"}`)}, want: []string{term}},
		{name: "question mark", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:Terminate?nstances","Resource":"*"}`)}, want: []string{term}},
		{name: "no Resource element", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:TerminateInstances"}`)}, want: []string{term}},
		{name: "regional instance wildcard", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"arn:aws:ec2:eu-west-1:111122223333:instance/*"}`)}, want: []string{term}},
		{name: "NotAction", docs: []string{pol(`{"Effect":"Allow","NotAction":["s3:*","iam:*"],"Resource":"*"}`)}, want: []string{term}},
		{name: "NotAction excluding it", docs: []string{pol(`{"Effect":"Allow","NotAction":"ec2:Terminate*","Resource":"*"}`)}},
		{name: "NotResource excluding instances", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:*","NotResource":"arn:aws:ec2:*:*:instance/*"}`)}},
		{name: "NotResource excluding one instance", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:*","NotResource":"arn:aws:ec2:*:*:instance/i-0prod"}`)}, want: []string{term}},
		{name: "seed 004 owner-scoped terminate", docs: []string{seed004}},
		{name: "aws:ResourceTag condition", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Env":"dev"}}}`)}},
		{name: "condition key case-insensitive", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"StringLike":{"EC2:RESOURCETAG/Env":"dev*"}}}`)}},
		{name: "negated tag condition reaches untagged instances", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"StringNotEquals":{"ec2:ResourceTag/Env":"prod"}}}`)}, want: []string{term}},
		{name: "condition on another key does not scope", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}`)}, want: []string{term}},
		{name: "named instance", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"arn:aws:ec2:us-east-1:111122223333:instance/i-0abc"}`)}},
		{name: "instance prefix", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"arn:aws:ec2:*:*:instance/i-0abc*"}`)}},
		{name: "explicit deny same policy", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`, `{"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*"}`)}},
		{name: "explicit deny in another policy", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`), pol(`{"Effect":"Deny","Action":"ec2:Terminate*","Resource":"arn:aws:ec2:*:*:instance/*"}`)}},
		{name: "conditional deny does not remove the grant", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`, `{"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}`)}, want: []string{term}},
		{name: "deny unless owner scopes", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`, `{"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"StringNotEquals":{"ec2:ResourceTag/Owner":"${aws:userid}"}}}`)}},
		{name: "deny on one instance leaves the rest", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`, `{"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"arn:aws:ec2:*:*:instance/i-0prod"}`)}, want: []string{term}},
		{name: "boundary without it", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`)}, boundary: pol(`{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}`)},
		{name: "boundary with it", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`)}, boundary: pol(`{"Effect":"Allow","Action":"*","Resource":"*"}`), want: []string{term}},
		{name: "two policies two findings", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*"}`), pol(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`)}, want: []string{term, term}},
		{name: "other service", docs: []string{pol(`{"Effect":"Allow","Action":"rds:*","Resource":"*"}`)}},
		{name: "deny only", docs: []string{pol(`{"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*"}`)}},
		{name: "malformed statement ignored, valid one analysed", docs: []string{pol(`{"Effect":"allow","Action":"ec2:*","Resource":"*"}`, `{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*"}`)}, want: []string{term}},
	})
}

func TestTerminateFindingNamesStatement(t *testing.T) {
	env := testEnv(t)
	fs := runCheck(t, env, ec2Terminate, "arn:aws:iam::111122223333:user/bob", "",
		"{\n \"Version\": \"2012-10-17\",\n \"Statement\": [\n  {\"Sid\": \"Ops\", \"Effect\": \"Allow\", \"Action\": \"ec2:*\", \"Resource\": \"*\"}\n ]\n}")
	if len(fs) != 1 {
		t.Fatalf("%+v", fs)
	}
	f := fs[0]
	if f.Principal != "arn:aws:iam::111122223333:user/bob" || f.Policy != "p0.json" || f.Statement != "Ops" ||
		f.Loc.Line != 4 || f.Loc.Column != 3 || f.Severity != High || f.Resources[0] != "*" {
		t.Errorf("%+v", f)
	}
}
