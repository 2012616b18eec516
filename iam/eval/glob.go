package eval

import (
	"strings"
	"unicode/utf8"
)

// tokKind is one element of a compiled pattern.
type tokKind uint8

const (
	tLit   tokKind = iota // literal text
	tStar                 // * : any run of characters
	tQmark                // ? : exactly one character
	tVar                  // ${key} or ${key, 'default'}: resolved from the request context
)

type tok struct {
	kind   tokKind
	s      string // literal text, or the variable's key
	def    string // the variable's default
	hasDef bool
}

// pattern is a compiled policy string: a resource ARN, an action, or a condition value.
type pattern struct {
	raw     string
	toks    []tok
	hasVars bool
	wild    bool // contains * or ?
}

// compilePattern turns s into tokens. wild makes * and ? wildcards; vars substitutes
// policy variables (only policies of version 2012-10-17 have them) including the
// escapes ${*}, ${?} and ${$} that stand for the literal characters.
func compilePattern(s string, wild, vars bool) pattern {
	p := pattern{raw: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p.toks = append(p.toks, tok{kind: tLit, s: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if vars && c == '$' && i+1 < len(s) && s[i+1] == '{' {
			if end := strings.IndexByte(s[i+2:], '}'); end >= 0 {
				inner := s[i+2 : i+2+end]
				switch inner {
				case "*", "?", "$":
					lit.WriteString(inner)
				default:
					t, ok := parseVar(inner)
					if !ok {
						lit.WriteString(s[i : i+3+end])
						break
					}
					flush()
					p.toks = append(p.toks, t)
					p.hasVars = true
				}
				i += 2 + end
				continue
			}
		}
		if wild && (c == '*' || c == '?') {
			flush()
			k := tStar
			if c == '?' {
				k = tQmark
			}
			p.toks = append(p.toks, tok{kind: k})
			p.wild = true
			continue
		}
		lit.WriteByte(c)
	}
	flush()
	return p
}

// parseVar parses "key" or "key, 'default'".
func parseVar(inner string) (tok, bool) {
	key, def, hasDef := strings.Cut(inner, ",")
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, " '\"${") {
		return tok{}, false
	}
	t := tok{kind: tVar, s: key}
	if hasDef {
		def = strings.TrimSpace(def)
		if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
			return tok{}, false
		}
		t.def, t.hasDef = def[1:len(def)-1], true
	}
	return t, true
}

// resolve replaces variables with their single value from ctx, using buf to avoid
// allocating. It reports false when a variable has no value and no default: such a
// pattern matches nothing.
func (p *pattern) resolve(ctx Context, buf []tok) ([]tok, bool) {
	if !p.hasVars {
		return p.toks, true
	}
	out := buf[:0]
	for _, t := range p.toks {
		if t.kind != tVar {
			out = append(out, t)
			continue
		}
		vals, ok := ctx.Lookup(t.s)
		switch {
		case ok && len(vals) == 1:
			out = append(out, tok{kind: tLit, s: vals[0]})
		case t.hasDef:
			out = append(out, tok{kind: tLit, s: t.def})
		default:
			return nil, false
		}
	}
	return out, true
}

func foldEq(a, b byte) bool {
	if a == b {
		return true
	}
	if 'A' <= a && a <= 'Z' {
		a += 'a' - 'A'
	}
	if 'A' <= b && b <= 'Z' {
		b += 'a' - 'A'
	}
	return a == b
}

// globMatch matches s against the tokens. fold compares ASCII letters case-insensitively.
// guard is the index in s up to which a ':' may not be matched by a wildcard (the ARN's
// first five separators, so wildcards stay inside their ARN segment); -1 for none.
func globMatch(p []tok, s string, fold bool, guard int) bool {
	ti, bi, si := 0, 0, 0
	starTi, starSi := -1, 0
	for si < len(s) {
		if ti < len(p) {
			t := &p[ti]
			switch t.kind {
			case tStar:
				starTi, starSi = ti, si
				ti, bi = ti+1, 0
				continue
			case tQmark:
				if !(s[si] == ':' && si <= guard) {
					_, n := utf8.DecodeRuneInString(s[si:])
					ti, si = ti+1, si+n
					continue
				}
			case tLit:
				if len(t.s) == 0 {
					ti++
					continue
				}
				if s[si] == t.s[bi] || (fold && foldEq(s[si], t.s[bi])) {
					bi, si = bi+1, si+1
					if bi == len(t.s) {
						ti, bi = ti+1, 0
					}
					continue
				}
			}
		}
		if starTi < 0 || (s[starSi] == ':' && starSi <= guard) {
			return false
		}
		starSi++
		ti, bi, si = starTi+1, 0, starSi
	}
	for ti < len(p) && bi == 0 && (p[ti].kind == tStar || (p[ti].kind == tLit && p[ti].s == "")) {
		ti++
	}
	return ti == len(p) && bi == 0
}

// arnGuard returns the index of the fifth ':' in an ARN (the end of the account segment),
// or len(s) when there are fewer, so no ':' in those segments is matched by a wildcard.
func arnGuard(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			n++
			if n == 5 {
				return i
			}
		}
	}
	return len(s)
}
