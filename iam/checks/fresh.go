package checks

import (
	"strconv"
	"strings"

	"github.com/ec2guard/ec2guard/iam/policy"
)

// Choosing the fresh resource exactly. A resource pattern with * and ? is a regular
// language, and so is the set of ids of a kind ("i-" and 17 hex digits), so whether some id
// of the kind escapes every pattern that does not cover the whole kind is decidable: the
// search below runs the patterns' automata together over the kind's ids and returns such an
// id, or reports that the patterns together cover the kind. The kind's ids are taken in the
// form AWS issues them today: the prefix, "0" and 16 hex digits (i-0…, ami-0…), so
// instance/i-0* covers every instance, as it does in practice. A probe on that id is matched
// exactly by the patterns that cover every id of the kind (instance/i-*, instance/*), and by
// no pattern that covers only some (instance/i-0abc*, instance/i-0?1*).

const freshHex = "0e1c2d3b4a5f60718" // the default fresh id's digits, tried first
const freshTail = "e1c2d3b4a5f60718" // the digits after the leading "0"
const hexDigits = "0123456789abcdef"

// glob is a compiled resource pattern: its text, matched with * and ? as wildcards.
type glob string

// closure adds the positions reachable through * (which may match nothing).
func (g glob) closure(set uint64) uint64 {
	for i := 0; i < len(g); i++ {
		if set&(1<<i) != 0 && g[i] == '*' {
			set |= 1 << (i + 1)
		}
	}
	return set
}

func (g glob) step(set uint64, c byte) uint64 {
	var next uint64
	for i := 0; i < len(g); i++ {
		if set&(1<<i) == 0 {
			continue
		}
		switch g[i] {
		case '*':
			next |= 1 << i
		case '?':
			next |= 1 << (i + 1)
		default:
			if g[i] == c {
				next |= 1 << (i + 1)
			}
		}
	}
	return g.closure(next)
}

func (g glob) run(set uint64, s string) uint64 {
	for i := 0; i < len(s) && set != 0; i++ {
		set = g.step(set, s[i])
	}
	return set
}

func (g glob) accepts(set uint64) bool { return set&(1<<len(g)) != 0 }

// coversRest reports whether, from the set, the pattern matches whatever follows: some
// position's rest is all "*".
func (g glob) coversRest(set uint64) bool {
	for i := 0; i < len(g); i++ {
		if set&(1<<i) != 0 && strings.Trim(string(g[i:]), "*") == "" {
			return true
		}
	}
	return false
}

// avoidingID returns a suffix of n hex digits such that no pattern matches prefix+suffix,
// or false when every such suffix is matched by one of them. Patterns with policy
// variables or longer than 62 characters are left out (their language depends on the
// request, or is too long for the bit sets).
func avoidingID(prefix string, patterns []string, n int) (string, bool) {
	var gs []glob
	var sets []uint64
	for _, p := range patterns {
		if len(p) > 62 || strings.Contains(p, "${") {
			continue
		}
		g := glob(p)
		if set := g.run(g.closure(1), prefix); set != 0 {
			gs, sets = append(gs, g), append(sets, set)
		}
	}
	dead := map[string]bool{}
	buf := make([]byte, n)
	var search func(depth int, sets []uint64) bool
	search = func(depth int, sets []uint64) bool {
		if depth == n {
			for i, g := range gs {
				if g.accepts(sets[i]) {
					return false
				}
			}
			return true
		}
		key := stateKey(depth, sets)
		if dead[key] {
			return false
		}
		order := string(freshTail[depth%len(freshTail)]) + hexDigits
		next := make([]uint64, len(sets))
		for k := 0; k < len(order); k++ {
			c := order[k]
			for i, g := range gs {
				next[i] = g.step(sets[i], c)
			}
			buf[depth] = c
			if search(depth+1, next) {
				return true
			}
		}
		dead[key] = true
		return false
	}
	if !search(0, sets) {
		return "", false
	}
	return string(buf), true
}

func stateKey(depth int, sets []uint64) string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(depth))
	for _, s := range sets {
		b.WriteByte(',')
		b.WriteString(strconv.FormatUint(s, 36))
	}
	return b.String()
}

// freshIn returns the id to probe for a resource type at an ARN prefix (the ARN up to the
// id): the kind's prefix and 17 hex digits that escape every pattern of the subject's that
// covers only some ids of the kind. Patterns that cover them all (and a set of partial
// patterns that together do) cannot be escaped and need not be: they grant or deny every
// resource of the kind alike.
func (s *Subject) freshIn(resourceType, arnPrefix string) string {
	kind, ok := freshIDPrefixes[resourceType]
	if !ok {
		return freshID(resourceType)
	}
	key := resourceType + "\x00" + arnPrefix
	s.freshMu.Lock()
	defer s.freshMu.Unlock()
	if id, ok := s.fresh[key]; ok {
		return id
	}
	lead := arnPrefix + kind + "0"
	var partial []string
	for _, p := range s.resourcePatterns() {
		// Most patterns name other services or kinds: they cannot match past the lead.
		g := glob(p)
		if len(p) > 62 {
			continue
		}
		set := g.run(g.closure(1), lead)
		if set == 0 || g.coversRest(set) {
			continue // matches nothing of the kind, or everything (…/*): no search needed
		}
		if _, escapes := avoidingID(lead, []string{p}, len(freshTail)); escapes {
			partial = append(partial, p)
		}
	}
	id := freshID(resourceType)
	if tail, ok := avoidingID(lead, partial, len(freshTail)); ok {
		id = kind + "0" + tail
	}
	if s.fresh == nil {
		s.fresh = map[string]string{}
	}
	s.fresh[key] = id
	return id
}

// resourcePatterns are the Resource and NotResource patterns of the subject's policies.
func (s *Subject) resourcePatterns() []string {
	var out []string
	seen := map[string]bool{}
	for _, docs := range [][]*policy.Document{s.Identity, s.Boundary} {
		for _, d := range docs {
			for _, st := range d.Statements {
				for _, r := range append(append([]string(nil), st.Resource...), st.NotResource...) {
					if !seen[r] && r != "*" {
						seen[r] = true
						out = append(out, r)
					}
				}
			}
		}
	}
	return out
}
