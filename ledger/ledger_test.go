package ledger

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/engine"
)

func TestBolt(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "ledger.db")
	l, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if seen, _ := l.Seen(ctx, "k", now); seen {
		t.Fatal("fresh ledger has k")
	}
	if st, err := l.Claim(ctx, "k", "me", now, time.Minute); st != engine.Claimed || err != nil {
		t.Fatalf("claim of a fresh key: %v %v", st, err)
	}
	if err := l.MarkDone(ctx, "k", "me", now, time.Hour); err != nil {
		t.Fatal(err)
	}
	if seen, _ := l.Seen(ctx, "k", now); !seen {
		t.Fatal("k not seen after MarkDone")
	}
	if st, _ := l.Claim(ctx, "k", "other", now, time.Minute); st != engine.AlreadyDone {
		t.Fatalf("claim of a done key: %v", st)
	}
	// A second process waits for the lock, then says who holds it.
	if _, err := Open(path, 50*time.Millisecond); err == nil || !strings.Contains(err.Error(), "another ec2guard process holds it") {
		t.Fatalf("second Open: %v", err)
	}
	if seen, _ := l.Seen(ctx, "k", now.Add(2*time.Hour)); seen {
		t.Fatal("k seen after expiry")
	}
	if err := l.MarkDone(ctx, "k2", "me", time.Now(), time.Hour); err != nil {
		t.Fatal(err)
	}
	l.Close()
	// Reopened, the live record is still there; the expired one was pruned.
	l2, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if seen, _ := l2.Seen(ctx, "k2", time.Now()); !seen {
		t.Fatal("k2 lost across processes")
	}
	if seen, _ := l2.Seen(ctx, "k", now); seen {
		t.Fatal("expired k survived")
	}
}

// A claim is on disk before the action runs: a process that dies mid-action leaves it, and the
// next process to claim the key is told it took over (the dead one may have acted); released
// or done, nothing is left to take over.
func TestBoltClaimOfADeadProcess(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	now := time.Now()
	l, err := Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := l.Claim(ctx, "k", "dead", now, time.Minute); st != engine.Claimed || err != nil {
		t.Fatalf("first claim: %v %v", st, err)
	}
	if st, _ := l.Claim(ctx, "k", "dead", now, time.Minute); st != engine.Claimed {
		t.Fatalf("the holder claims again: %v", st)
	}
	if st, _ := l.Claim(ctx, "released", "dead", now, time.Minute); st != engine.Claimed {
		t.Fatalf("claim: %v", st)
	}
	if err := l.Release(ctx, "released", "dead"); err != nil {
		t.Fatal(err)
	}
	l.Close() // the process dies holding k

	l, err = Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if st, err := l.Claim(ctx, "k", "next", now.Add(time.Second), time.Minute); st != engine.TakenOver || err != nil {
		t.Fatalf("claim of a dead process's key, within its lease: %v %v", st, err)
	}
	if st, _ := l.Claim(ctx, "released", "next", now, time.Minute); st != engine.Claimed {
		t.Fatalf("claim of a released key: %v", st)
	}
	if err := l.Release(ctx, "k", "someone else"); err != nil {
		t.Fatal(err)
	}
	if st, _ := l.Claim(ctx, "k", "third", now, time.Minute); st != engine.TakenOver {
		t.Fatalf("another owner's release left next's claim: %v", st)
	}
	if err := l.MarkDone(ctx, "k", "third", now, time.Hour); err != nil {
		t.Fatal(err)
	}
	if st, _ := l.Claim(ctx, "k", "fourth", now, time.Minute); st != engine.AlreadyDone {
		t.Fatalf("claim of a done key: %v", st)
	}
}
