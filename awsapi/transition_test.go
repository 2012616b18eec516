package awsapi

import (
	"testing"
	"time"
)

func TestTransitionTime(t *testing.T) {
	for _, c := range []struct {
		reason string
		want   time.Time
		ok     bool
	}{
		{"User initiated (2026-01-02 03:04:05 GMT)", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), true},
		{"User initiated (2026-01-02 03:04:05 UTC)", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), true}, // moto's
		{"Service initiated (2026-12-31 23:59:59 GMT)", time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC), true},
		{"Server.ScheduledStop: Stopped due to scheduled retirement", time.Time{}, false},
		{"", time.Time{}, false},
		{"User initiated (2026-13-02 03:04:05 GMT)", time.Time{}, false},
	} {
		got, ok := transitionTime(c.reason)
		if ok != c.ok || !got.Equal(c.want) {
			t.Errorf("transitionTime(%q) = %v, %v; want %v, %v", c.reason, got, ok, c.want, c.ok)
		}
	}
}

func FuzzTransitionTime(f *testing.F) {
	f.Add("User initiated (2026-01-02 03:04:05 GMT)")
	f.Add("(0000-00-00 00:00:00 UTC)")
	f.Fuzz(func(t *testing.T, s string) {
		if got, ok := transitionTime(s); ok && got.Location() != time.UTC {
			t.Fatalf("%q: %v not in UTC", s, got)
		}
	})
}
