package ledger

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBolt(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "ledger.db")
	l, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.now = func() time.Time { return now }
	if seen, _ := l.Seen(ctx, "k"); seen {
		t.Fatal("fresh ledger has k")
	}
	if err := l.MarkDone(ctx, "k", time.Hour); err != nil {
		t.Fatal(err)
	}
	if seen, _ := l.Seen(ctx, "k"); !seen {
		t.Fatal("k not seen after MarkDone")
	}
	// A second process waits for the lock, then says who holds it.
	if _, err := Open(path, 50*time.Millisecond); err == nil || !strings.Contains(err.Error(), "another ec2guard process holds it") {
		t.Fatalf("second Open: %v", err)
	}
	now = now.Add(2 * time.Hour)
	if seen, _ := l.Seen(ctx, "k"); seen {
		t.Fatal("k seen after expiry")
	}
	l.now = time.Now
	if err := l.MarkDone(ctx, "k2", time.Hour); err != nil {
		t.Fatal(err)
	}
	l.Close()
	// Reopened, the live record is still there; the expired one was pruned.
	l2, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if seen, _ := l2.Seen(ctx, "k2"); !seen {
		t.Fatal("k2 lost across processes")
	}
	if seen, _ := l2.Seen(ctx, "k"); seen {
		t.Fatal("expired k survived")
	}
}
