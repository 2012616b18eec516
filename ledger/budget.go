package ledger

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/ec2guard/ec2guard/engine"
)

// budgetBucket holds the loop budget and the per-minute cap of every process that opens the
// file in turn (handle runs one after another, a restarted serve):
//
//	loop|<kind>:<id>   the times of the recent mutating actions on the resource
//	minute             the times of the mutating actions of the last minute
//
// each a run of 8-byte big-endian Unix nanoseconds, oldest first, pruned as it is written.
var budgetBucket = []byte("budget")

var minuteKey = []byte("minute")

// budgetKeep is how long an idle resource's times stay in the file before Open drops them:
// longer than any loop window.
const budgetKeep = 24 * time.Hour

// Take counts one mutating action on resource at now, unless the loop budget or the
// per-minute cap is reached: then it counts nothing and says which. The file's lock makes
// this process its only user, and each Take is one transaction, so the workers of a process
// never exceed a limit together.
func (b *Bolt) Take(_ context.Context, resource string, now time.Time, l engine.Limits) (engine.Exceeded, error) {
	x := engine.WithinLimits
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(budgetBucket)
		loopKey := []byte("loop|" + resource)
		recent := since(bk.Get(loopKey), now.Add(-l.LoopWindow))
		minute := since(bk.Get(minuteKey), now.Add(-time.Minute))
		switch {
		case len(recent)/8 >= l.LoopBudget:
			x = engine.LoopBudgetExceeded
			return nil
		case l.MaxPerMinute > 0 && len(minute)/8 >= l.MaxPerMinute:
			x = engine.MinuteCapExceeded
			return nil
		}
		if err := bk.Put(loopKey, appendTime(recent, now)); err != nil {
			return err
		}
		return bk.Put(minuteKey, appendTime(minute, now))
	})
	if err != nil {
		return engine.WithinLimits, fmt.Errorf("counting the budget in the ledger: %w", err)
	}
	return x, nil
}

// since copies the times in v that are after after (v belongs to the transaction).
func since(v []byte, after time.Time) []byte {
	i := 0
	for i+8 <= len(v) && int64(binary.BigEndian.Uint64(v[i:])) <= after.UnixNano() {
		i += 8
	}
	return append([]byte(nil), v[i:len(v)/8*8]...)
}

func appendTime(v []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(v, uint64(t.UnixNano()))
}

// pruneBudget drops the times of resources idle for budgetKeep, a bounded number per open.
func pruneBudget(bk *bolt.Bucket, now time.Time) error {
	c := bk.Cursor()
	pruned := 0
	for k, v := c.First(); k != nil && pruned < 10000; k, v = c.Next() {
		if len(v) < 8 || int64(binary.BigEndian.Uint64(v[len(v)/8*8-8:])) < now.Add(-budgetKeep).UnixNano() {
			if err := c.Delete(); err != nil {
				return err
			}
			pruned++
		}
	}
	return nil
}
