package eval

import (
	"fmt"
	"testing"

	"github.com/ec2guard/ec2guard/iam/policy"
)

// benchPolicies is a realistic identity policy: a dozen statements over several services,
// with or without tag conditions.
func benchEvaluator(b testing.TB, withConds bool) *Evaluator {
	var stmts []string
	for i, a := range []string{"ec2:Describe*", "ec2:RunInstances", "s3:Get*", "s3:List*", "sqs:SendMessage", "sns:Publish", "logs:*", "cloudwatch:PutMetricData"} {
		c := ""
		if withConds {
			c = fmt.Sprintf(`,"Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"StringLike":{"aws:PrincipalTag/team":"team-%d*"}}`, i%3)
		}
		stmts = append(stmts, fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Action":"%s","Resource":"*"%s}`, i, a, c))
	}
	c := ""
	if withConds {
		c = `,"Condition":{"StringEquals":{"ec2:ResourceTag/PrincipalId":"${aws:userid}"},"Bool":{"aws:SecureTransport":"true"}}`
	}
	stmts = append(stmts,
		`{"Sid":"Own","Effect":"Allow","Action":["ec2:StopInstances","ec2:StartInstances","ec2:TerminateInstances"],"Resource":"arn:aws:ec2:*:111122223333:instance/*"`+c+`}`,
		`{"Sid":"NoIAM","Effect":"Deny","Action":["iam:*","organizations:*"],"Resource":"*"}`)
	src := `{"Version":"2012-10-17","Statement":[` + join(stmts) + `]}`
	doc, err := policy.Parse("bench", []byte(src))
	if err != nil {
		b.Fatal(err)
	}
	e, err := Compile(PolicySet{Identity: []*policy.Document{doc}})
	if err != nil {
		b.Fatal(err)
	}
	return e
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ","
		}
		out += x
	}
	return out
}

var benchReq = Request{
	Principal: "arn:aws:iam::111122223333:user/Bob",
	Action:    "ec2:StopInstances",
	Resource:  "arn:aws:ec2:us-east-1:111122223333:instance/i-0123456789abcdef0",
	Context: Context{
		"aws:userid": {"AIDAJ7EQQEKFAVPO3NTQG"}, "ec2:ResourceTag/PrincipalId": {"AIDAJ7EQQEKFAVPO3NTQG"},
		"aws:SecureTransport": {"true"}, "aws:RequestedRegion": {"us-east-1"}, "aws:PrincipalTag/team": {"team-1a"},
	},
}

func benchDecide(b *testing.B, withConds bool) {
	e := benchEvaluator(b, withConds)
	if got := e.Decide(benchReq); got != Allowed {
		b.Fatalf("bench request: %v", got)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		e.Decide(benchReq)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

func BenchmarkDecideNoConditions(b *testing.B)   { benchDecide(b, false) }
func BenchmarkDecideWithConditions(b *testing.B) { benchDecide(b, true) }

func TestDecideDoesNotAllocate(t *testing.T) {
	for _, withConds := range []bool{false, true} {
		e := benchEvaluator(t, withConds)
		if n := testing.AllocsPerRun(100, func() { e.Decide(benchReq) }); n != 0 {
			t.Errorf("conditions=%v: %v allocations per decision", withConds, n)
		}
	}
}

// BenchmarkDecideConditionHeavy makes every statement match the action and resource so
// that each one's conditions run (all but the last fail): the worst case for conditions.
func BenchmarkDecideConditionHeavy(b *testing.B) {
	var stmts []string
	ops := []string{
		`"StringLike":{"aws:PrincipalTag/team":"team-9*"}`,
		`"NumericLessThan":{"aws:MultiFactorAuthAge":"60"}`,
		`"DateGreaterThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}`,
		`"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}`,
		`"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin-*"}`,
		`"ForAnyValue:StringEquals":{"aws:TagKeys":["secret","pii"]}`,
		`"StringEqualsIgnoreCase":{"ec2:ResourceTag/Env":"PROD"}`,
		`"Null":{"aws:TokenIssueTime":"false"}`,
		`"BoolIfExists":{"aws:MultiFactorAuthPresent":"true"},"StringNotEquals":{"ec2:ResourceTag/Env":"staging"}`,
		`"StringEquals":{"ec2:ResourceTag/PrincipalId":"${aws:userid}"}`,
	}
	for i, op := range ops {
		stmts = append(stmts, fmt.Sprintf(`{"Sid":"C%d","Effect":"Allow","Action":"ec2:*Instances","Resource":"arn:aws:ec2:*:*:instance/*","Condition":{%s}}`, i, op))
	}
	doc, err := policy.Parse("heavy", []byte(`{"Version":"2012-10-17","Statement":[`+join(stmts)+`]}`))
	if err != nil {
		b.Fatal(err)
	}
	e, err := Compile(PolicySet{Identity: []*policy.Document{doc}})
	if err != nil {
		b.Fatal(err)
	}
	req := benchReq
	req.Context = Context{
		"aws:userid": {"AIDAJ7EQQEKFAVPO3NTQG"}, "ec2:ResourceTag/PrincipalId": {"AIDAJ7EQQEKFAVPO3NTQG"},
		"aws:PrincipalTag/team": {"team-1a"}, "aws:MultiFactorAuthAge": {"3600"}, "aws:CurrentTime": {"2026-11-22T10:00:00Z"},
		"aws:SourceIp": {"203.0.113.9"}, "aws:PrincipalArn": {"arn:aws:iam::111122223333:user/Bob"},
		"aws:TagKeys": {"team", "cost"}, "ec2:ResourceTag/Env": {"staging"}, "aws:MultiFactorAuthPresent": {"true"},
	}
	if got := e.Decide(req); got != Allowed {
		b.Fatalf("heavy request: %v", got)
	}
	b.ReportAllocs()
	for b.Loop() {
		e.Decide(req)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}
