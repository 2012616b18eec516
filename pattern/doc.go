// Package pattern implements Amazon EventBridge event patterns: it parses and validates
// patterns exactly as EventBridge does (rejecting what AWS rejects, with a reason a person can
// act on), compiles any number of them into one immutable Matcher, and matches raw event bytes
// against all of them at once without decoding the event into maps.
//
// The language and ec2guard's exact semantics are specified in PATTERNS.md beside this file.
//
//	p, err := pattern.Parse([]byte(`{"source":["aws.ec2"],"detail":{"state":["stopped"]}}`))
//	m, err := pattern.Compile([]*pattern.Pattern{p})
//	matched, err := m.Match(eventJSON, nil) // indexes of the patterns that match
//
// A Matcher is safe for concurrent use: it is never written after Compile, and each Match
// borrows its scratch space from a pool, so the hot path allocates nothing.
package pattern
