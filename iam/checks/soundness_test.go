package checks

import (
	"strings"
	"testing"
)

// The blind spots of issue 11 that probing with a fresh resource of the kind, in a region
// and account no policy names, with the keys every such resource carries, closes.
func TestFreshResources(t *testing.T) {
	term := func(res string) string {
		return `{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"` + res + `"}`
	}
	deny := func(res string) string {
		return `{"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"` + res + `"}`
	}
	const bob = "arn:aws:iam::111122223333:user/bob"
	runTable(t, ec2Terminate, []tcase{
		{name: "i-* covers every instance", docs: []string{pol(term("arn:aws:ec2:*:*:instance/i-*"))}, want: []string{"ec2:TerminateInstances"}},
		{name: "a Deny on i-* covers every instance", docs: []string{pol(term("*"), deny("arn:aws:ec2:*:*:instance/i-*"))}},
		{name: "a Deny in one region leaves the others", docs: []string{pol(term("*"), deny("arn:aws:ec2:us-east-1:*:instance/*"))}, want: []string{"ec2:TerminateInstances"}},
		{name: "a Deny in one account leaves the others", docs: []string{pol(term("*"), deny("arn:aws:ec2:*:123456789012:instance/*"))}, want: []string{"ec2:TerminateInstances"}},
		{name: "a Deny in every region and account", docs: []string{pol(term("*"), deny("arn:aws:ec2:*:*:instance/*"))}},
		{name: "one region named is still every instance there", docs: []string{pol(term("arn:aws:ec2:eu-west-1:*:instance/*"))}, want: []string{"ec2:TerminateInstances"}},
		{name: "named instances", docs: []string{pol(term("arn:aws:ec2:*:*:instance/i-0abc"))}},
		{name: "a Deny for every principal but admin, for bob", principal: bob, docs: []string{pol(term("*"),
			`{"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}}`)}},
		{name: "the same Deny for a policy held by nobody known", docs: []string{pol(term("*"),
			`{"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}}`)}, want: []string{"ec2:TerminateInstances"}},
	})
	run := func(cond string) string {
		return pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":` + cond + `}`)
	}
	amazon := Settings{ApprovedAMIOwners: []string{"amazon"}}
	runTable(t, ec2RunImages, []tcase{
		{name: "a wildcard owner scopes nothing", docs: []string{run(`{"StringLike":{"ec2:Owner":"*"}}`)}, want: []string{"ec2:RunInstances"}},
		{name: "ami-* covers every image", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:*::image/ami-*"}`)}, want: []string{"ec2:RunInstances"}},
		{name: "IfExists on the owner every image has is a scope", settings: amazon, docs: []string{run(`{"StringEqualsIfExists":{"ec2:Owner":"amazon"}}`)}},
		{name: "an approved owner", settings: amazon, docs: []string{run(`{"StringEquals":{"ec2:Owner":"amazon"}}`)}},
	})
}

// The fresh instance escapes every pattern that covers only some instance ids, so the
// probe is matched exactly by the patterns that cover them all, alone or together.
func TestFreshIDExact(t *testing.T) {
	term := func(res ...string) string {
		return `{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":["` + strings.Join(res, `","`) + `"]}`
	}
	var sixteen []string
	for _, c := range "0123456789abcdef" {
		sixteen = append(sixteen, "arn:aws:ec2:*:*:instance/i-0"+string(c)+"*")
	}
	runTable(t, ec2Terminate, []tcase{
		{name: "i-0* is every instance AWS issues", docs: []string{pol(term("arn:aws:ec2:*:*:instance/i-0*"))}, want: []string{"ec2:TerminateInstances"}},
		{name: "i-0e* is some", docs: []string{pol(term("arn:aws:ec2:*:*:instance/i-0e*"))}},
		{name: "i-0?1* is some", docs: []string{pol(term("arn:aws:ec2:*:*:instance/i-0?1*"))}},
		{name: "sixteen prefixes together are every one", docs: []string{pol(term(sixteen...))}, want: []string{"ec2:TerminateInstances"}},
		{name: "fifteen are not", docs: []string{pol(term(sixteen[1:]...))}},
		{name: "a Deny on some leaves the others", docs: []string{pol(term("*"), `{"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"arn:aws:ec2:*:*:instance/i-0e1c*"}`)}, want: []string{"ec2:TerminateInstances"}},
	})
	if id, ok := avoidingID("i-0", []string{"i-0*"}, 16); ok {
		t.Errorf("i-0* escaped by %s", id)
	}
	if id, ok := avoidingID("i-0", []string{"i-0e*", "i-0?1*"}, 16); !ok || strings.HasPrefix(id, "e") || (len(id) > 1 && id[1] == '1') {
		t.Errorf("avoidingID = %q, %v", id, ok)
	}
}
