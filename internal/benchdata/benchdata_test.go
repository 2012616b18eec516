package benchdata

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestDeterministicAndValid(t *testing.T) {
	a, b := CityLots(50, 1), CityLots(50, 1)
	total := 0
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			t.Fatalf("line %d differs between two runs with one seed", i)
		}
		if !json.Valid(a[i]) {
			t.Fatalf("line %d is not JSON", i)
		}
		total += len(a[i])
	}
	if avg := total / len(a); avg < 600 || avg > 1000 {
		t.Fatalf("citylots lines average %d bytes, want about 800", avg)
	}
	for i, e := range EC2Events(50, 1) {
		if !json.Valid(e) {
			t.Fatalf("EC2 event %d is not JSON", i)
		}
	}
}

func TestCloudTrailLog(t *testing.T) {
	tr := Trail{Records: 500, Seed: 3, Instances: []string{"i-1"}, Volumes: []string{"vol-1"}}
	a, b := CloudTrailLog(tr), CloudTrailLog(tr)
	if !bytes.Equal(a, b) {
		t.Fatal("two logs from one Trail differ")
	}
	var log struct {
		Records []struct {
			EventID, EventName string
			ResponseElements   json.RawMessage
		}
	}
	if err := json.Unmarshal(a, &log); err != nil || len(log.Records) != 500 {
		t.Fatalf("%d records, %v", len(log.Records), err)
	}
	ids, creates := map[string]bool{}, 0
	for _, r := range log.Records {
		ids[r.EventID] = true
		if r.EventName == "RunInstances" || r.EventName == "CreateVolume" {
			creates++
			if !bytes.Contains(r.ResponseElements, []byte(`"i-1"`)) && !bytes.Contains(r.ResponseElements, []byte(`"vol-1"`)) {
				t.Fatalf("a creation names none of the given ids: %s", r.ResponseElements)
			}
		}
	}
	if len(ids) != 500 || creates == 0 || creates > 25 {
		t.Fatalf("%d distinct event ids, %d creations", len(ids), creates)
	}
}
