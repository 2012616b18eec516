// Package startheap lets a short process run without garbage collection while its heap is
// small. Go's first collection comes at a 4 MB heap, which one ec2guard handle of one event
// (the SDK clients' package data alone is about 2 MB) just reaches: that collection costs
// time and, by scanning stacks and type data, maps about a megabyte more of the binary.
// Adjust delays the first collection to a larger heap; once it has run, the usual GOGC of 100
// applies, so a long process (serve, a replay of many logs) behaves as before. cmd/compile
// does the same (base.AdjustStartingHeap). A GOGC the user set is left alone.
package startheap

import (
	"os"
	"runtime"
	"runtime/debug"
)

// defaultMin is the heap size of Go's first collection at GOGC=100.
const defaultMin = 4 << 20

// Adjust makes the first collection wait until the heap reaches goal bytes.
func Adjust(goal uint64) {
	if _, set := os.LookupEnv("GOGC"); set || goal <= defaultMin {
		return
	}
	debug.SetGCPercent(int(goal * 100 / defaultMin))
	sentinel := new([16]byte)
	runtime.SetFinalizer(sentinel, func(*[16]byte) { debug.SetGCPercent(100) })
}
