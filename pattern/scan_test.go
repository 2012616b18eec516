package pattern

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
)

// The SWAR helpers must agree with a byte-by-byte reading on every lane value, in every
// position and next to every other value (borrows and carries cross lanes).
func TestSWARHelpers(t *testing.T) {
	isStop := func(c byte) bool { return c == '"' || c == '\\' || c < 0x20 }
	isNumeric := func(c byte) bool { return c >= '+' && c <= ':' && c != '/' }
	check := func(b []byte) {
		x := binary.LittleEndian.Uint64(b)
		first := 8
		for k, c := range b {
			if isStop(c) {
				first = k
				break
			}
		}
		got := 8
		if m := stringStops(x); m != 0 {
			got = bits.TrailingZeros64(m) >> 3
		}
		if got != first {
			t.Fatalf("stringStops(%q): first stop at %d, want %d", b, got, first)
		}
		m := notNumeric(x)
		for k, c := range b {
			if flagged := m&(0x80<<(8*k)) != 0; flagged == isNumeric(c) {
				t.Fatalf("notNumeric(%q): lane %d (%q) flagged=%v", b, k, c, flagged)
			}
		}
		if allNumeric(x) != (m == 0) {
			t.Fatalf("allNumeric(%q) = %v, notNumeric = %#x", b, allNumeric(x), m)
		}
		if m&^lanes80 != 0 {
			t.Fatalf("notNumeric(%q) = %#x: bits outside the lanes' high bits", b, m)
		}
	}
	b := make([]byte, 8)
	for lane := 0; lane < 8; lane++ {
		for c := 0; c < 256; c++ {
			for fill := 0; fill < 256; fill++ {
				for k := range b {
					b[k] = byte(fill)
				}
				b[lane] = byte(c)
				check(b)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("\"\\\x00\x1f \x7f\x80\xff+,-./09:;aeE")
	for n := 0; n < 200000; n++ {
		for k := range b {
			if r.IntN(2) == 0 {
				b[k] = alphabet[r.IntN(len(alphabet))]
			} else {
				b[k] = byte(r.Uint32())
			}
		}
		check(b)
	}
}

// refSkip is skipContainer read byte by byte, the way it was before it read eight bytes at a
// time: the same end, or the same error at the same offset, is expected of it.
func refSkip(d []byte, i, depth int) (int, string) {
	base := depth
	var open []byte
	for i < len(d) {
		switch c := d[i]; {
		case c == '{' || c == '[':
			if depth >= maxDepth {
				return i, "nesting too deep"
			}
			open = append(open, c)
			depth++
		case c == '}' || c == ']':
			if depth == base {
				return i, "unbalanced closing bracket"
			}
			depth--
			if want := open[len(open)-1] + 2; c != want { // '['+2 == ']', '{'+2 == '}'
				return i, "mismatched closing bracket"
			}
			open = open[:len(open)-1]
			if depth == base {
				i++
				if i < len(d) && !strings.ContainsRune(" \t\n\r,]}", rune(d[i])) {
					return i, "invalid character after a value"
				}
				return i, ""
			}
		case c == '"':
			end, _, bad := stringEndSlow(d, i+1)
			if bad != "" {
				return end, bad
			}
			i = end
			continue
		case !strings.ContainsRune(" \t\r\n,:0123456789+-.eEtrufalsn", rune(c)) || c >= 0x80:
			return i, "invalid character"
		}
		i++
	}
	return len(d), "unterminated container"
}

func TestSkipContainerMatchesByteByByte(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	toks := []string{"[", "]", "{", "}", "[", "]", "],[", "-122.383399934", "37.70", "0", ",", ":", `"s"`, `"a\"b"`, `"\u00e9"`, "true", " ", "\n", "1e5", "x", "/", "\x00", "\xc3\xa9", `"tab	"`, `"\q"`}
	for n := 0; n < 200000; n++ {
		var b strings.Builder
		b.WriteString([]string{"[", "{", "[[["}[r.IntN(3)])
		for k := r.IntN(80); k > 0; k-- {
			b.WriteString(toks[r.IntN(len(toks))])
		}
		if r.IntN(2) == 0 {
			b.WriteString(strings.Repeat("]", r.IntN(4)))
		}
		d := []byte(b.String())
		depth := []int{0, 0, 0, 100, maxDepth - 3}[r.IntN(5)]
		s := scanner{data: d, depth: depth}
		err := s.skipContainer()
		got, gotMsg := s.i, ""
		if err != nil {
			gotMsg = err.(*SyntaxError).Msg
		}
		want, wantMsg := refSkip(d, 0, depth)
		if got != want || gotMsg != wantMsg {
			t.Fatalf("skipContainer(%q) at depth %d = %d %q, want %d %q", d, depth, got, gotMsg, want, wantMsg)
		}
	}
}

// stringEnd's eight-byte fast path must agree with the byte-by-byte reading.
func TestStringEndMatchesByteByByte(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	alphabet := []byte("ab\"\\\x00\x1f \x7f\x80\xffunt/0")
	for n := 0; n < 200000; n++ {
		d := make([]byte, 1+r.IntN(40))
		d[0] = '"'
		for k := 1; k < len(d); k++ {
			d[k] = alphabet[r.IntN(len(alphabet))]
		}
		end, esc, bad := stringEnd(d, 0)
		wend, wesc, wbad := stringEndSlow(d, 1)
		if end != wend || esc != wesc || bad != wbad {
			t.Fatalf("stringEnd(%q) = %d %v %q, want %d %v %q", d, end, esc, bad, wend, wesc, wbad)
		}
	}
}
