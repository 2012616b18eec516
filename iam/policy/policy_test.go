package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/internal/testshared"
)

func TestParseForms(t *testing.T) {
	src := `{
  "Version": "2012-10-17",
  "Id": "p1",
  "Statement": [
    {"Sid": "A", "Effect": "Allow", "Action": "ec2:StopInstances", "Resource": ["*"],
     "Condition": {"StringEquals": {"ec2:ResourceTag/PrincipalId": "${aws:userid}"},
                   "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["a*", "b"]},
                   "NumericLessThan": {"aws:MultiFactorAuthAge": 3600}, "Bool": {"aws:SecureTransport": true}}},
    {"Effect": "Deny", "NotAction": ["iam:*"], "NotResource": "arn:aws:s3:::b/*",
     "Principal": {"AWS": ["arn:aws:iam::1:root", "2"], "Service": "ec2.amazonaws.com"}},
    {"Effect": "Allow", "Action": "s3:GetObject", "NotPrincipal": "*"}
  ]
}`
	doc, err := Parse("p.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Version != Version2012 || doc.ID != "p1" || len(doc.Statements) != 3 {
		t.Fatalf("doc = %+v", doc)
	}
	a := doc.Statements[0]
	if a.Sid != "A" || a.Effect != Allow || len(a.Action) != 1 || a.NotAction != nil || a.Resource[0] != "*" {
		t.Errorf("statement 0 = %+v", a)
	}
	if a.Loc.String() != "p.json:5:5" {
		t.Errorf("statement 0 at %v", a.Loc)
	}
	if len(a.Conditions) != 4 {
		t.Fatalf("conditions = %+v", a.Conditions)
	}
	c := a.Conditions[1]
	if c.Op != (Operator{Family: StringLike, Set: ForAnyValue, IfExists: true}) || c.Key != "aws:TagKeys" || len(c.Values) != 2 {
		t.Errorf("condition 1 = %+v", c)
	}
	if c.Loc.Line != 7 || c.Loc.Column != 55 {
		t.Errorf("condition 1 at %v", c.Loc)
	}
	if a.Conditions[2].Values[0] != "3600" || a.Conditions[3].Values[0] != "true" {
		t.Errorf("scalar values: %+v", a.Conditions)
	}
	b := doc.Statements[1]
	if b.Effect != Deny || b.Action != nil || b.NotAction[0] != "iam:*" || b.NotResource[0] != "arn:aws:s3:::b/*" || b.Resource != nil {
		t.Errorf("statement 1 = %+v", b)
	}
	if got := b.Principal.Values["AWS"]; len(got) != 2 || b.Principal.Values["Service"][0] != "ec2.amazonaws.com" {
		t.Errorf("principal = %+v", b.Principal)
	}
	if s := doc.Statements[2]; s.NotPrincipal == nil || !s.NotPrincipal.All || s.Resource != nil || s.Ref() != "#2" {
		t.Errorf("statement 2 = %+v", s)
	}
}

func TestParseSingleStatementObject(t *testing.T) {
	doc, err := Parse("x", []byte(`{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}`))
	if err != nil || len(doc.Statements) != 1 || doc.Version != "" {
		t.Fatalf("doc=%+v err=%v", doc, err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // substrings, one per expected issue, in order
	}{
		{"bad json", `{"Statement": [}`, []string{"1:16: invalid JSON"}},
		{"truncated", `{"Statement": [`, []string{"invalid JSON"}},
		{"trailing", `{} {}`, []string{"unexpected data"}},
		{"not object", `[]`, []string{"must be a JSON object"}},
		{"no statement", `{"Version":"2012-10-17"}`, []string{"no Statement"}},
		{"empty statement", `{"Statement":[]}`, []string{"1:14: Statement is empty"}},
		{"bad version", `{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, []string{"1:12: Version must be"}},
		{"bad effect", `{"Statement":{"Effect":"allow","Action":"*"}}`, []string{"Effect must be"}},
		{"no effect", `{"Statement":{"Action":"*"}}`, []string{"has no Effect"}},
		{"both actions", `{"Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*"}}`, []string{"both Action and NotAction"}},
		{"neither action", `{"Statement":{"Effect":"Allow","Resource":"*"}}`, []string{"neither Action nor NotAction"}},
		{"bad operator", "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\n \"Condition\":{\"StringEqualz\":{\"a:b\":\"c\"}}}}", []string{"2:15: unknown condition operator \"StringEqualz\""}},
		{"null ifexists", `{"Statement":{"Effect":"Allow","Action":"*","Condition":{"NullIfExists":{"a:b":"true"}}}}`, []string{"unknown condition operator"}},
		{"bad set op", `{"Statement":{"Effect":"Allow","Action":"*","Condition":{"ForSome:StringLike":{"a:b":"c"}}}}`, []string{"unknown condition set operator"}},
		{"several", `{"Statement":[{"Effect":"Maybe","Action":"ec2"},{"Effect":"Allow","Action":"*","Bogus":1}]}`,
			[]string{"Effect must be", "not of the form service:action", "unknown statement element \"Bogus\""}},
		{"bad action type", `{"Statement":{"Effect":"Allow","Action":[1]}}`, []string{"Action values must be strings"}},
		{"bad principal", `{"Statement":{"Effect":"Allow","Action":"*","Principal":{"Robot":"x"}}}`, []string{"unknown Principal type"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("f.json", []byte(tc.src))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *ParseError", err)
			}
			if len(pe.Issues) != len(tc.want) {
				t.Fatalf("issues = %v, want %d", pe.Issues, len(tc.want))
			}
			for i, w := range tc.want {
				if !strings.Contains(pe.Issues[i].String(), w) {
					t.Errorf("issue %d = %q, want it to contain %q", i, pe.Issues[i], w)
				}
			}
		})
	}
}

func TestParseKeepsDocumentWithSemanticErrors(t *testing.T) {
	doc, err := Parse("f", []byte(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Nope","Action":"*"}]}`))
	if err == nil || doc == nil || len(doc.Statements) != 2 {
		t.Fatalf("doc=%v err=%v", doc, err)
	}
}

func TestParseOperator(t *testing.T) {
	tests := map[string]Operator{
		"StringEquals":                      {Family: StringEquals},
		"stringequalsignorecase":            {Family: StringEqualsIgnoreCase},
		"ArnNotLikeIfExists":                {Family: ArnNotLike, IfExists: true},
		"ForAllValues:StringNotEquals":      {Family: StringNotEquals, Set: ForAllValues},
		"ForAnyValue:NumericLessThanEquals": {Family: NumericLessThanEquals, Set: ForAnyValue},
		"Null":                              {Family: Null},
	}
	for in, want := range tests {
		got, err := ParseOperator(in)
		if err != nil || got != want {
			t.Errorf("ParseOperator(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "StringEqualsIfExistsIfExists", "Nul", "ForAnyValue:", ":StringLike"} {
		if _, err := ParseOperator(bad); err == nil {
			t.Errorf("ParseOperator(%q) succeeded", bad)
		}
	}
}

// Every AWS managed policy is valid IAM, so Parse must accept all of them.
func TestParseManagedPolicyCorpus(t *testing.T) {
	dir := testshared.Path(t, "corpus", "iam", "aws-managed")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) < 1500 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(filepath.Base(f), src); err != nil {
			t.Errorf("%v", err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`))
	f.Add([]byte(`{"Statement":[{"Effect":"Deny","NotAction":["a:b"],"Condition":{"ForAnyValue:StringLike":{"k":["v",1,true]}}}]}`))
	f.Add([]byte("{\"Statement\":[\n{\"Principal\":{\"AWS\":\"*\"}}]"))
	f.Fuzz(func(t *testing.T, src []byte) {
		doc, err := Parse("fuzz", src)
		if err == nil && doc == nil {
			t.Fatal("nil document without error")
		}
		var pe *ParseError
		if err != nil && (!errors.As(err, &pe) || len(pe.Issues) == 0) {
			t.Fatalf("error %v is not a non-empty *ParseError", err)
		}
		if doc != nil {
			for _, s := range doc.Statements {
				if s.Loc.Line < 1 || s.Loc.Column < 1 {
					t.Fatalf("bad location %v", s.Loc)
				}
			}
		}
	})
}
