// Package atstart delays a process's first garbage collection to a 16 MB heap from package
// initialization on (startheap.Adjust), for the ec2guard command: imported for its effect.
//
// Called from main, Adjust came too late: the packages' init functions (the SDK clients'
// schemas and endpoint tables, regexps) allocate over 3 MB before main runs, and Go's first
// collection, at about 4 MB, started during them and ran through one handle of one event.
// Packages are initialized in the order of their import paths once their own imports are, so
// this one (importing only os and runtime) runs before the SDK's clients and ec2guard's own
// packages: cmd/ec2guard's test holds that no collection starts during initialization.
package atstart

import "github.com/ec2guard/ec2guard/internal/startheap"

// One event handled as a whole process fits in 16 MB of heap: no collection at all.
func init() { startheap.Adjust(16 << 20) }
