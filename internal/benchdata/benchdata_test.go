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
