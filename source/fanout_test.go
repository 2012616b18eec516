package source

import (
	"strings"
	"testing"
)

// ParsePart: what is a part, what is a broken one (reported, not retried), what is not one.
func TestParsePart(t *testing.T) {
	for _, tc := range []struct {
		body    string
		ok      bool
		wantErr string
	}{
		{`{"ec2guard":"scan-part","tick":"2026-12-03T06:00:00Z","account":"1","region":"us-east-1","kinds":["instance","volume"],"token":"t"}`, true, ""},
		{`{"ec2guard":"scan-part","tick":"2026-12-03T06:00:00Z","region":"us-east-1","kinds":["instance"]}`, true, ""}, // the own account
		{`{"ec2guard":"scan-part","region":"us-east-1","kinds":["instance"]}`, true, "tick"},
		{`{"ec2guard":"scan-part","tick":"x","region":"us-east-1","kinds":[]}`, true, "no kinds"},
		{`{"ec2guard":"scan-part","tick":"x","region":"us-east-1","kinds":["bucket"]}`, true, `unknown kind "bucket"`},
		{`{"version":"0","detail-type":"Scheduled Event"}`, false, ""},
		{`not json`, false, ""},
	} {
		p, ok, err := ParsePart(tc.body)
		if ok != tc.ok || (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: ok %v, error %v; want %v, %q", tc.body, ok, err, tc.ok, tc.wantErr)
		}
		if ok && err == nil && (p.key() == "" || p.String() == "") {
			t.Errorf("%s: no key or name", tc.body)
		}
	}
	a, _, _ := ParsePart(`{"ec2guard":"scan-part","tick":"x","region":"r","kinds":["instance"]}`)
	b, _, _ := ParsePart(`{"ec2guard":"scan-part","tick":"x","region":"r","kinds":["instance"],"token":"t"}`)
	if a.key() == b.key() {
		t.Error("a remainder has the key of its part")
	}
	if tickRun("2026-12-03T06:00:00Z") != "20261203T060000.000Z" {
		t.Errorf("tick run %s", tickRun("2026-12-03T06:00:00Z"))
	}
}
