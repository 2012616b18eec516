package exception

import (
	"strings"
	"testing"
	"time"
)

func TestEvaluate(t *testing.T) {
	now := time.Date(2027, 1, 31, 23, 0, 0, 0, time.UTC)
	tagged := []Exception{{Tag: "SPECIAL_EXCEPTION", Reason: "the seeds' tag"}}
	dated := []Exception{{IDs: []string{"i-1"}, Reason: "migration", Until: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)}}
	old := []Exception{{Accounts: []string{"111122223333"}, Reason: "sandbox", Until: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}}
	people := []Exception{{Principals: []string{"arn:aws:iam::111122223333:role/admin-*", "AIDAALICE"}, Reason: "operators"}}
	for _, tc := range []struct {
		name   string
		list   []Exception
		s      Subject
		now    time.Time
		status Status
		says   string
	}{
		{"tag without expiry", tagged, Subject{Tags: map[string]string{"SPECIAL_EXCEPTION": "true"}}, now, Honoured, "exception by tag SPECIAL_EXCEPTION (the seeds' tag)"},
		{"tag absent", tagged, Subject{Tags: map[string]string{"Other": "x"}}, now, None, "no exception"},
		{"tag's value is its reason", tagged, Subject{Tags: map[string]string{"SPECIAL_EXCEPTION": "bob's demo"}}, now, Honoured, "(bob's demo)"},
		{"tag until the end of today", tagged, Subject{Tags: map[string]string{"SPECIAL_EXCEPTION": "until=2027-01-31;reason=load test"}}, now, Honoured, "until 2027-02-01T00:00:00Z (load test)"},
		{"tag expired at midnight UTC", tagged, Subject{Tags: map[string]string{"SPECIAL_EXCEPTION": "reason=load test; until=2027-01-31"}}, now.Add(time.Hour), Expired, "expired 2027-02-01T00:00:00Z (load test)"},
		{"tag with a bare date", tagged, Subject{Tags: map[string]string{"SPECIAL_EXCEPTION": "2027-01-30"}}, now, Expired, "expired 2027-01-31T00:00:00Z"},
		{"tag with an exact time", tagged, Subject{Tags: map[string]string{"SPECIAL_EXCEPTION": "until=2027-01-31T22:00:00Z"}}, now, Expired, ""},
		{"tag with a bad date is not honoured", tagged, Subject{Tags: map[string]string{"SPECIAL_EXCEPTION": "until=31/01/2027"}}, now, Invalid, `not honoured: expiry "31/01/2027" is not a date`},
		{"tag with an unknown key", tagged, Subject{Tags: map[string]string{"SPECIAL_EXCEPTION": "untill=2027-01-31"}}, now, Invalid, "untill is not a key"},
		{"id with expiry", dated, Subject{ID: "i-1"}, now, Honoured, "exception by id i-1 until 2027-02-01T00:00:00Z (migration)"},
		{"id expired", dated, Subject{ID: "i-1"}, now.Add(time.Hour), Expired, "expired"},
		{"other id", dated, Subject{ID: "i-2"}, now, None, ""},
		{"account expired", old, Subject{Account: "111122223333"}, now, Expired, "exception by account 111122223333 expired 2026-12-31T00:00:00Z (sandbox)"},
		{"principal by ARN pattern", people, Subject{Principals: []string{"AIDABOB", "arn:aws:iam::111122223333:role/admin-ops"}}, now, Honoured, "principal arn:aws:iam::111122223333:role/admin-ops"},
		{"principal id", people, Subject{Principals: []string{"AIDAALICE"}}, now, Honoured, ""},
		{"principal not named", people, Subject{Principals: []string{"arn:aws:iam::111122223333:role/dev"}}, now, None, ""},
		{"honoured beats expired", append(append([]Exception{}, old...), tagged...), Subject{Account: "111122223333", Tags: map[string]string{"SPECIAL_EXCEPTION": ""}}, now, Honoured, "tag"},
		{"expired beats invalid", append(append([]Exception{}, tagged...), old...), Subject{Account: "111122223333", Tags: map[string]string{"SPECIAL_EXCEPTION": "until=soon"}}, now, Expired, "account"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Evaluate(tc.list, tc.s, tc.now)
			if v.Status != tc.status || !strings.Contains(v.String(), tc.says) {
				t.Errorf("Evaluate = %v %q; want %v ...%s", v.Status, v, tc.status, tc.says)
			}
		})
	}
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pat, s string
		want   bool
	}{
		{"a*", "abc", true}, {"*c", "abc", true}, {"a*c", "ac", true}, {"a*c", "ab", false},
		{"*", "", true}, {"", "", true}, {"", "a", false}, {"a**b", "axxb", true},
		{"arn:aws:iam::*:role/x", "arn:aws:iam::1:role/x", true}, {"*a*a*a*a*a*a*b", strings.Repeat("a", 5000), false},
	} {
		if got := glob(tc.pat, tc.s); got != tc.want {
			t.Errorf("glob(%q, %q) = %v", tc.pat, tc.s, got)
		}
	}
}

func TestCheck(t *testing.T) {
	if err := (&Exception{Reason: "x"}).Check(); err == nil {
		t.Error("an exception naming nothing passed")
	}
	if err := (&Exception{IDs: []string{""}}).Check(); err == nil {
		t.Error("an empty id passed")
	}
	if err := (&Exception{Tag: "SPECIAL_EXCEPTION"}).Check(); err != nil {
		t.Error(err)
	}
}

func FuzzParseTagValue(f *testing.F) {
	for _, s := range []string{"until=2027-01-31;reason=load test", "2027-01-31", "true", "until=2027-01-31T18:00:00Z", ";;", "reason=a=b", "until="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		until, _, err := ParseTagValue(v)
		if err != nil {
			return
		}
		ex := Exception{Tag: "K"}
		got := ex.Match(Subject{Tags: map[string]string{"K": v}}, until.Add(-time.Nanosecond))
		if got.Status != Honoured {
			t.Fatalf("%q: %v just before its expiry", v, got)
		}
	})
}
