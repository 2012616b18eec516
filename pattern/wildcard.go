package pattern

import (
	"errors"
	"strings"
)

// wildcard is a compiled EventBridge wildcard: '*' matches any run of characters (including
// none); "\*" is a literal star and "\\" a literal backslash.
type wildcard struct {
	parts []string // literal runs between stars; len(parts) == stars+1
}

func compileWildcard(s string) (*wildcard, error) {
	var parts []string
	var cur strings.Builder
	stars := 0
	prevStar := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 >= len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return nil, errors.New(`only "\*" and "\\" may be escaped`)
			}
			i++
			cur.WriteByte(s[i])
			prevStar = false
		case '*':
			if prevStar {
				return nil, errors.New("consecutive wildcard characters (**) are not allowed")
			}
			parts = append(parts, cur.String())
			cur.Reset()
			stars++
			prevStar = true
		default:
			cur.WriteByte(c)
			prevStar = false
		}
	}
	if stars > maxWildcards {
		return nil, errors.New("rule is too complex: use at most 5 wildcard characters")
	}
	parts = append(parts, cur.String())
	return &wildcard{parts: parts}, nil
}

func (w *wildcard) match(s string) bool {
	if len(w.parts) == 1 {
		return s == w.parts[0]
	}
	first, last := w.parts[0], w.parts[len(w.parts)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	mid := s[len(first) : len(s)-len(last)]
	for _, p := range w.parts[1 : len(w.parts)-1] {
		i := strings.Index(mid, p)
		if i < 0 {
			return false
		}
		mid = mid[i+len(p):]
	}
	return true
}
