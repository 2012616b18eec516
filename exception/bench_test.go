package exception

import (
	"testing"
	"time"
)

// A scan judges every resource of a rule against its exceptions: a tag with an expiry, ids,
// a principal pattern.
func BenchmarkEvaluate(b *testing.B) {
	list := []Exception{
		{Tag: "SPECIAL_EXCEPTION", Reason: "tagged"},
		{IDs: []string{"i-1", "i-2", "i-3"}, Reason: "migration"},
		{Principals: []string{"arn:aws:iam::111122223333:role/admin-*"}, Reason: "operators"},
	}
	s := Subject{ID: "i-9", Account: "111122223333", Principals: []string{"AIDABOB", "arn:aws:iam::111122223333:role/dev"},
		Tags: map[string]string{"SPECIAL_EXCEPTION": "until=2027-01-31;reason=load test", "Owner": "bob"}}
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if v := Evaluate(list, s, now); v.Status != Honoured {
			b.Fatal(v)
		}
	}
}
