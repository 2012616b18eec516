package catalog

import (
	"strings"

	"github.com/ec2guard/ec2guard/internal/editdist"
)

// distance is the Levenshtein distance of a and b (bytes: action names are ASCII).
var distance = editdist.Levenshtein

// Nearest is the real action closest to full ("prefix:Name") by edit distance, for "did you
// mean" messages: within the service when the prefix is one, otherwise the name under the
// nearest prefix. ok is false when nothing is close enough to be a likely typo.
func (c *Catalog) Nearest(full string) (string, bool) {
	p, name, found := strings.Cut(full, ":")
	if !found {
		return "", false
	}
	s, known := c.Service(p)
	if !known {
		best, bestD := "", -1
		for _, cand := range c.Services {
			if d := distance(strings.ToLower(p), cand.Prefix); bestD < 0 || d < bestD {
				best, bestD = cand.Prefix, d
			}
		}
		if bestD < 0 || bestD > closeEnough(p) {
			return "", false
		}
		s = c.byPrefix[best]
		if a, ok := s.Action(name); ok {
			return a.FullName(), true
		}
	}
	lower := strings.ToLower(name)
	var best *Action
	bestD := -1
	for _, a := range s.Actions {
		if d := distance(lower, strings.ToLower(a.Name)); bestD < 0 || d < bestD {
			best, bestD = a, d
		}
	}
	if best == nil || bestD > closeEnough(name) {
		return "", false
	}
	return best.FullName(), true
}

// closeEnough is the largest edit distance still taken for a typo of s.
func closeEnough(s string) int { return max(2, len(s)/4) }
