package pattern

import (
	"net/netip"
	"slices"
	"strings"
)

type valueType uint8

const (
	typString valueType = iota
	typNumber
	typBadNumber // a JSON number outside float64's range
	typTrue
	typFalse
	typNull
)

// value is one scalar of the event, decoded only as far as the matchers need.
type value struct {
	typ valueType
	str string
	num float64
}

// match reports whether v satisfies the operator m (exact values are indexed, not matched here).
func (m *matcher) match(v *value) bool {
	switch m.kind {
	case kPrefix:
		return v.typ == typString && strings.HasPrefix(v.str, m.str)
	case kSuffix:
		return v.typ == typString && strings.HasSuffix(v.str, m.str)
	case kPrefixFold:
		return v.typ == typString && len(v.str) >= len(m.str) && strings.EqualFold(v.str[:len(m.str)], m.str)
	case kSuffixFold:
		return v.typ == typString && len(v.str) >= len(m.str) && strings.EqualFold(v.str[len(v.str)-len(m.str):], m.str)
	case kEqualsFold:
		return v.typ == typString && strings.EqualFold(v.str, m.str)
	case kAnythingBut:
		switch v.typ {
		case typString:
			return !slices.Contains(m.strs, v.str)
		case typNumber:
			return !slices.Contains(m.nums, v.num)
		}
		return true
	case kAnythingButPfx:
		if v.typ != typString {
			return true
		}
		for _, s := range m.strs {
			if strings.HasPrefix(v.str, s) {
				return false
			}
		}
		return true
	case kAnythingButSfx:
		if v.typ != typString {
			return true
		}
		for _, s := range m.strs {
			if strings.HasSuffix(v.str, s) {
				return false
			}
		}
		return true
	case kAnythingButFold:
		if v.typ != typString {
			return true
		}
		for _, s := range m.strs {
			if strings.EqualFold(v.str, s) {
				return false
			}
		}
		return true
	case kAnythingButWild:
		if v.typ != typString {
			return true
		}
		for _, w := range m.wilds {
			if w.match(v.str) {
				return false
			}
		}
		return true
	case kNumeric:
		return v.typ == typNumber && m.rng.contains(v.num)
	case kCIDR:
		if v.typ != typString {
			return false
		}
		a, err := netip.ParseAddr(v.str)
		return err == nil && m.cidr.Contains(a.Unmap())
	case kWildcard:
		return v.typ == typString && m.wild.match(v.str)
	case kExactString:
		return v.typ == typString && v.str == m.str
	case kExactNumber:
		return v.typ == typNumber && v.num == m.num
	case kExactTrue:
		return v.typ == typTrue
	case kExactFalse:
		return v.typ == typFalse
	case kExactNull:
		return v.typ == typNull
	case kExists:
		return true
	}
	return false
}
