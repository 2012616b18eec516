package checks

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// globRegexp is the reference meaning of a resource glob: * any run, ? one character.
func globRegexp(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for _, c := range p {
		switch c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// avoidingID against the regexp meaning of globs, on random pattern sets: an id it returns
// is matched by none of them, and when it finds none, random ids are all matched by one.
func TestAvoidingIDProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 2026))
	atoms := []string{"*", "?", "0", "e", "1", "a", "f", "0e", "1c"}
	for n := 0; n < 2000; n++ {
		var pats []string
		var res []*regexp.Regexp
		for range 1 + r.IntN(4) {
			p := "i-0"
			for range r.IntN(5) {
				p += atoms[r.IntN(len(atoms))]
			}
			if r.IntN(2) == 0 {
				p += "*"
			}
			pats = append(pats, p)
			res = append(res, globRegexp(p))
		}
		tail, ok := avoidingID("i-0", pats, 16)
		if ok {
			if len(tail) != 16 || strings.Trim(tail, hexDigits) != "" {
				t.Fatalf("%q: id tail %q", pats, tail)
			}
			for i, re := range res {
				if re.MatchString("i-0" + tail) {
					t.Fatalf("%q: i-0%s matched by %s", pats, tail, pats[i])
				}
			}
			continue
		}
		for range 50 {
			var b strings.Builder
			for range 16 {
				b.WriteByte(hexDigits[r.IntN(16)])
			}
			id := "i-0" + b.String()
			matched := false
			for _, re := range res {
				matched = matched || re.MatchString(id)
			}
			if !matched {
				t.Fatalf("%q: said to cover every id, but not %s", pats, id)
			}
		}
	}
}
