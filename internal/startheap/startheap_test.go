package startheap

import (
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestAdjust(t *testing.T) {
	if v, ok := os.LookupEnv("GOGC"); ok {
		t.Setenv("GOGC", v) // restored after the test
		os.Unsetenv("GOGC")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	Adjust(16 << 20)
	if got := debug.SetGCPercent(400); got != 400 {
		t.Fatalf("GOGC after Adjust(16 MB) = %d, want 400 (first collection at 16 MB)", got)
	}
	// The first collection puts the usual GOGC back (its finalizer runs after it).
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
		got := debug.SetGCPercent(-1)
		debug.SetGCPercent(got)
		if got == 100 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GOGC is still %d after collections, want 100", got)
		}
	}
}

func TestAdjustLeavesTheUsersGOGC(t *testing.T) {
	t.Setenv("GOGC", "50")
	defer debug.SetGCPercent(debug.SetGCPercent(77))
	Adjust(16 << 20)
	if got := debug.SetGCPercent(77); got != 77 {
		t.Fatalf("Adjust changed GOGC to %d although the user set it", got)
	}
}
