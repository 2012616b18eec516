package pattern

import (
	"encoding/binary"
	"math/bits"
	"math/rand/v2"
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
