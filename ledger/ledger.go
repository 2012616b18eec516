// Package ledger remembers which actions ec2guard applied, so that an event delivered twice
// is acted on once. Bolt is the embedded store a command-line run or a long-running consumer
// uses (one file, safe across processes, which also holds the loop budget and the per-minute
// cap, so that the runs that open it one after another share them); Dynamo is a DynamoDB table shared by every process
// of a deployment, which also counts the loop budget and the per-minute blast-radius cap
// across them. Keys expire.
package ledger

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ec2guard/ec2guard/engine"
)

var bucket = []byte("applied")

// Bolt is a ledger in a bbolt file; it is a Budget too (see budget.go).
type Bolt struct {
	db *bolt.DB
}

// DefaultPath is where the ledger lives unless told otherwise: the user's cache directory.
func DefaultPath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("finding the user cache directory for the ledger (pass --state PATH): %w", err)
	}
	return filepath.Join(dir, "ec2guard", "ledger.db"), nil
}

// Open opens (creating if needed) the ledger at path. Another process holding it makes Open
// wait up to lockWait, then fail with a clear error.
func Open(path string, lockWait time.Duration) (*Bolt, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating the ledger directory: %w", err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockWait})
	var pathErr *fs.PathError
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return nil, fmt.Errorf("opening the ledger %s: another ec2guard process holds it (waited %s)", path, lockWait)
	case errors.As(err, &pathErr):
		return nil, fmt.Errorf("opening the ledger %s: %w", path, err)
	case err != nil:
		// What bbolt says of a file that is not one of its databases ("file size too small
		// 4096", "invalid database") does not say which file, nor that it is the ledger.
		return nil, notOurs(path, fmt.Sprintf("it is not a bbolt database (%v)", err))
	}
	b := &Bolt{db: db}
	if err := prepare(db); err != nil {
		db.Close()
		if errors.Is(err, errForeign) || errors.Is(err, errCorrupt) {
			return nil, notOurs(path, err.Error())
		}
		return nil, fmt.Errorf("preparing the ledger %s: %w", path, err)
	}
	return b, nil
}

var (
	errForeign = errors.New("it is a bbolt database of something else (no " + string(bucket) + " bucket)")
	errCorrupt = errors.New("it is a damaged bbolt database")
)

// notOurs is the error of a --state file that is not a ledger: it names the file and the way out.
func notOurs(path, what string) error {
	return fmt.Errorf("%s is not an ec2guard state file: %s; pass another --state PATH, or move the file away", path, what)
}

// prepare creates the buckets of a new ledger and prunes expired keys of an old one. A
// database with buckets but none of a ledger's is someone else's: it is left alone.
func prepare(db *bolt.DB) (err error) {
	defer func() {
		// bbolt panics on some damaged pages; a state file is input, and input never panics.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w (%v)", errCorrupt, r)
		}
	}()
	return db.Update(func(tx *bolt.Tx) error {
		some := false
		if err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			some = true
			return nil
		}); err != nil {
			return err
		}
		if some && tx.Bucket(bucket) == nil {
			return errForeign
		}
		bk, err := tx.CreateBucketIfNotExists(bucket)
		if err != nil {
			return err
		}
		budget, err := tx.CreateBucketIfNotExists(budgetBucket)
		if err != nil {
			return err
		}
		if err := pruneBudget(budget, time.Now()); err != nil {
			return err
		}
		// Prune expired keys, and claims older than claimKeep, a bounded number per open so
		// start-up stays fast.
		now := time.Now().UnixNano()
		c := bk.Cursor()
		pruned := 0
		for k, v := c.First(); k != nil && pruned < 10000; k, v = c.Next() {
			if len(v) == 8 && int64(binary.BigEndian.Uint64(v)) < now || len(v) > 8 && int64(binary.BigEndian.Uint64(v)) < now-int64(claimKeep) {
				if err := c.Delete(); err != nil {
					return err
				}
				pruned++
			}
		}
		return nil
	})
}

// Seen reports whether key was marked done and has not expired at now.
func (b *Bolt) Seen(_ context.Context, key string, now time.Time) (bool, error) {
	var seen bool
	err := b.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucket).Get([]byte(key))
		seen = len(v) == 8 && int64(binary.BigEndian.Uint64(v)) > now.UnixNano()
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("reading the ledger: %w", err)
	}
	return seen, nil
}

// Claim answers AlreadyDone for a key marked done, else writes owner's claim on it (on disk
// before the action runs) and answers Claimed, or TakenOver where another owner's claim was
// there. The file's lock makes this process the ledger's only user, so another owner's claim
// is a process's that died mid-action, whatever its lease: it holds nothing up, and says to
// the retry that the dead process may have acted.
func (b *Bolt) Claim(_ context.Context, key, owner string, now time.Time, lease time.Duration) (engine.ClaimState, error) {
	st := engine.Claimed
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucket)
		v := bk.Get([]byte(key))
		switch {
		case len(v) == 8 && int64(binary.BigEndian.Uint64(v)) > now.UnixNano():
			st = engine.AlreadyDone
			return nil
		case len(v) > 8 && string(v[8:]) != owner:
			st = engine.TakenOver
		}
		return bk.Put([]byte(key), claimValue(now.Add(lease), owner))
	})
	if err != nil {
		return engine.Claimed, fmt.Errorf("writing a claim in the ledger: %w", err)
	}
	return st, nil
}

// A key's value is its expiry (8 bytes, big-endian Unix nanoseconds) when it is done, and
// that followed by the owner's name when it is claimed.
func claimValue(until time.Time, owner string) []byte {
	return append(binary.BigEndian.AppendUint64(nil, uint64(until.UnixNano())), owner...)
}

// claimKeep is how long a dead process's claim stays in the file for its retry to find
// (Open prunes it after that): as long as a redelivery may take to come.
const claimKeep = 24 * time.Hour

// MarkDone records key until now+ttl. It returns once the record is on disk.
func (b *Bolt) MarkDone(_ context.Context, key, _ string, now time.Time, ttl time.Duration) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(now.Add(ttl).UnixNano()))
	if err := b.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put([]byte(key), v[:]) }); err != nil {
		return fmt.Errorf("writing the ledger: %w", err)
	}
	return nil
}

// Release drops owner's claim on key: the action did not apply.
func (b *Bolt) Release(_ context.Context, key, owner string) error {
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucket)
		if v := bk.Get([]byte(key)); len(v) > 8 && string(v[8:]) == owner {
			return bk.Delete([]byte(key))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("releasing a claim in the ledger: %w", err)
	}
	return nil
}

// Close releases the file.
func (b *Bolt) Close() error { return b.db.Close() }
