package ledger

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A --state file that is not a ledger is said to be so, by name, and left as it was.
func TestOpenNotALedger(t *testing.T) {
	dir := t.TempDir()
	random := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(r.UintN(256))
	}
	foreign := filepath.Join(dir, "foreign.db")
	db, err := bolt.Open(foreign, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("other")); return err }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(foreign)

	for _, c := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"page.db", bytes.Repeat([]byte{'x'}, 4096), "it is not a bbolt database (file size too small 4096)"},
		{"notes.txt", []byte("remember the milk\n"), "it is not a bbolt database"},
		{"random.db", random, "it is not a bbolt database (invalid database)"},
		{"foreign.db", nil, "it is a bbolt database of something else (no applied bucket)"},
	} {
		path := filepath.Join(dir, c.name)
		if c.content != nil {
			if err := os.WriteFile(path, c.content, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Open(path, time.Second)
		if err == nil || !strings.HasPrefix(err.Error(), path+" is not an ec2guard state file: "+c.want) || !strings.Contains(err.Error(), "pass another --state PATH") {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if after, _ := os.ReadFile(foreign); !bytes.Equal(before, after) {
		t.Error("the foreign database was changed")
	}
	// An empty file is a new ledger.
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := Open(empty, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if l, err = Open(empty, time.Second); err != nil {
		t.Fatalf("reopening a ledger: %v", err)
	}
	l.Close()
}
