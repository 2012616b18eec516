package schedule

import (
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/resource"
)

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"off=19:00;on=08:00;tz=Europe/Paris;days=mon-fri", "off=02:30 tz=America/New_York", "on=0:00;days=sat-fri", "office", "=;=", "days=sun-sun;on=23:59"} {
		f.Add(s, int64(1774800000))
	}
	f.Fuzz(func(t *testing.T, tag string, unix int64) {
		s, err := Resolve(tag, nil, nil)
		if err != nil {
			return
		}
		// What it prints reads back as the same schedule.
		again, err := Resolve(s.String(), nil, nil)
		if err != nil || again.String() != s.String() {
			t.Fatalf("%q → %q → %v, %v", tag, s, again, err)
		}
		now := time.Unix(unix%(1<<34), 0)
		d := s.Decide(now, resource.Running, now.Add(-time.Hour))
		if d.Action == Start {
			t.Fatalf("%q: start a running instance", tag)
		}
		if !d.Last.At.IsZero() && d.Last.At.After(now) || !d.Next.At.IsZero() && !d.Next.At.After(now) {
			t.Fatalf("%q at %v: last %v next %v", tag, now, d.Last, d.Next)
		}
	})
}
