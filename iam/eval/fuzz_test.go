package eval

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/iam/policy"
)

var negations = map[string]string{
	"StringEquals": "StringNotEquals", "StringEqualsIgnoreCase": "StringNotEqualsIgnoreCase", "StringLike": "StringNotLike",
	"NumericEquals": "NumericNotEquals", "DateEquals": "DateNotEquals", "IpAddress": "NotIpAddress",
	"ArnEquals": "ArnNotEquals", "ArnLike": "ArnNotLike",
}

// FuzzCondition checks the condition evaluator never panics and that, for a key present
// with one value, every negated operator is exactly the opposite of its positive form,
// and IfExists changes nothing. A value with an unresolvable variable fails both forms.
func FuzzCondition(f *testing.F) {
	f.Add("StringLike", "a*b?${aws:username}", "axxbyq")
	f.Add("NumericLessThan", "10.5", "3")
	f.Add("DateEquals", "2020-01-01T00:00:00Z", "1577836800")
	f.Add("IpAddress", "10.0.0.0/8", "10.1.2.3")
	f.Add("ArnLike", "arn:aws:s3:::b/*", "arn:aws:s3:::b/k")
	f.Add("StringEqualsIgnoreCase", "${*}${?}${$}", "*?$")
	f.Fuzz(func(t *testing.T, op, pval, rval string) {
		neg, ok := negations[op]
		if !ok {
			return
		}
		mk := func(o string) *Evaluator {
			v, _ := json.Marshal(pval)
			src := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"` + o + `":{"k:x":` + string(v) + `}}}}`
			doc, err := policy.Parse("f", []byte(src))
			if err != nil {
				t.Fatalf("parse %s: %v", src, err)
			}
			e, err := Compile(PolicySet{Identity: []*policy.Document{doc}})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		req := Request{Action: "a:b", Resource: "*", Context: Context{"k:x": {rval}, "aws:username": {strings.ToUpper(rval)}}}
		pos, ng, ie := mk(op).Decide(req), mk(neg).Decide(req), mk(op+"IfExists").Decide(req)
		// An unresolvable variable fails both forms (see matchAny), so the property holds
		// only for values without variables.
		if !strings.Contains(pval, "${") && (pos == Allowed) == (ng == Allowed) {
			t.Errorf("%s and %s agree (%v) on %q vs %q", op, neg, pos, pval, rval)
		}
		if ie != pos {
			t.Errorf("%sIfExists = %v, %s = %v on a present key", op, ie, op, pos)
		}
	})
}
