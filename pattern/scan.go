package pattern

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// maxDepth bounds the nesting of events, so a hostile event cannot exhaust the stack.
const maxDepth = 256

// entry is one scalar found at a path some pattern names.
type entry struct {
	path       int32
	start, end int32 // the raw value in the event (a string without its quotes)
	typ        valueType
	esc        bool // the string holds escapes
	dead       bool // a later duplicate key replaced it
	memStart   int32
	memLen     int32 // array positions above the entry (state.mem), for array consistency
}

// keyMark remembers, for one needed key of the object being scanned, which entries it made,
// so that a duplicate key later in the same object can void them (the last one wins).
type keyMark struct {
	key        int32 // the key's position in its keyNode: equal keys, equal positions
	start, end int32
}

// SyntaxError is an event that is not valid JSON.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("event is not valid JSON at byte %d: %s", e.Offset, e.Msg)
}

type scanner struct {
	m     *Matcher
	st    *state
	data  []byte
	i     int
	depth int
}

func (m *Matcher) scanEvent(st *state, data []byte) error {
	if len(data) > 1<<31-1 {
		return &SyntaxError{Offset: 0, Msg: "event is larger than 2 GiB"}
	}
	s := scanner{m: m, st: st, data: data}
	s.ws()
	if s.i >= len(data) || data[s.i] != '{' {
		return s.fail("an event must be a JSON object")
	}
	if err := s.object(0); err != nil {
		return err
	}
	s.ws()
	if s.i != len(data) {
		return s.fail("unexpected data after the event object")
	}
	return nil
}

func (s *scanner) fail(msg string) error { return &SyntaxError{Offset: s.i, Msg: msg} }

func (s *scanner) ws() { s.i = skipSpace(s.data, s.i) }

// object scans the object at s.i, whose wanted keys are s.m.nodes[node].
func (s *scanner) object(node int32) error {
	if s.depth >= maxDepth {
		return s.fail("nesting too deep")
	}
	s.depth++
	keysBase := len(s.st.keys)
	err := s.objectBody(&s.m.nodes[node], keysBase)
	s.st.keys = s.st.keys[:keysBase]
	s.depth--
	return err
}

func (s *scanner) objectBody(n *keyNode, keysBase int) error {
	// The index lives in a local between the calls out (s.i is memory): this loop runs for
	// every key of every object on the way to a needed field.
	st := s.st
	d := s.data
	i := skipSpace(d, s.i+1) // past '{'
	if i < len(d) && d[i] == '}' {
		s.i = i + 1
		return nil
	}
	for {
		i = skipSpace(d, i)
		if i >= len(d) || d[i] != '"' {
			s.i = i
			return s.fail("expected a string key")
		}
		end, esc, bad := stringEnd(d, i)
		if bad != "" {
			s.i = end
			return s.fail(bad)
		}
		key := d[i+1 : end-1]
		if esc {
			st.keyBuf = unescape(st.keyBuf[:0], key)
			key = st.keyBuf
		}
		k := n.find(key)
		i = skipSpace(d, end)
		if i >= len(d) || d[i] != ':' {
			s.i = i
			return s.fail("expected ':' after a key")
		}
		i = skipSpace(d, i+1)
		switch {
		case k < 0 && i < len(d) && d[i] == '"': // an unwanted string: the commonest value
			end, _, bad := stringEnd(d, i)
			if bad != "" {
				s.i = end
				return s.fail(bad)
			}
			i = end
		case k < 0:
			s.i = i
			if err := s.skip(); err != nil {
				return err
			}
			i = s.i
		default:
			from := int32(len(st.entries))
			s.i = i
			if err := s.value(n.kids[k]); err != nil {
				return err
			}
			i = s.i
			to := int32(len(st.entries))
			for j := keysBase; j < len(st.keys); j++ {
				if st.keys[j].key == k {
					for e := st.keys[j].start; e < st.keys[j].end; e++ {
						st.entries[e].dead = true
					}
				}
			}
			st.keys = append(st.keys, keyMark{key: k, start: from, end: to})
		}
		i = skipSpace(d, i)
		if i >= len(d) {
			s.i = i
			return s.fail("unterminated object")
		}
		switch d[i] {
		case ',':
			i++
		case '}':
			s.i = i + 1
			return nil
		default:
			s.i = i
			return s.fail("expected ',' or '}'")
		}
	}
}

// skipSpace returns the index of the first byte from i that is not JSON whitespace.
func skipSpace(d []byte, i int) int {
	for i < len(d) && d[i] <= ' ' {
		switch d[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// value scans a value at a key the patterns name.
func (s *scanner) value(k keyChild) error {
	if s.i >= len(s.data) {
		return s.fail("unexpected end of event")
	}
	leaf := k.leaf
	switch c := s.data[s.i]; {
	case c == '{':
		if k.node < 0 {
			return s.skip()
		}
		return s.object(k.node)
	case c == '[':
		s.depth++
		if s.depth > maxDepth {
			return s.fail("nesting too deep")
		}
		s.i++
		s.ws()
		if s.i < len(s.data) && s.data[s.i] == ']' {
			s.i++
			s.depth--
			return nil
		}
		st := s.st
		arr := st.nextArr
		st.nextArr++
		for idx := int32(0); ; idx++ {
			s.ws()
			container := s.i < len(s.data) && (s.data[s.i] == '{' || s.data[s.i] == '[')
			if container {
				st.arrays = append(st.arrays, arrayPos{array: arr, index: idx})
			}
			err := s.value(k)
			if container {
				st.arrays = st.arrays[:len(st.arrays)-1]
			}
			if err != nil {
				return err
			}
			s.ws()
			if s.i >= len(s.data) {
				return s.fail("unterminated array")
			}
			if s.data[s.i] == ',' {
				s.i++
				continue
			}
			if s.data[s.i] == ']' {
				s.i++
				s.depth--
				return nil
			}
			return s.fail("expected ',' or ']'")
		}
	case c == '"':
		start := s.i + 1
		esc, err := s.skipString()
		if err != nil {
			return err
		}
		if leaf >= 0 {
			s.add(leaf, typString, start, s.i-1, esc)
		}
		return nil
	case c == 't' || c == 'f' || c == 'n':
		typ, err := s.literal()
		if err != nil {
			return err
		}
		if leaf >= 0 {
			s.add(leaf, typ, s.i, s.i, false)
		}
		return nil
	default:
		start := s.i
		if err := s.number(); err != nil {
			return err
		}
		if leaf >= 0 {
			s.add(leaf, typNumber, start, s.i, false)
		}
		return nil
	}
}

func (s *scanner) add(path int32, typ valueType, start, end int, esc bool) {
	st := s.st
	e := entry{path: path, typ: typ, start: int32(start), end: int32(end), esc: esc}
	if len(st.arrays) > 0 {
		e.memStart, e.memLen = int32(len(st.mem)), int32(len(st.arrays))
		st.mem = append(st.mem, st.arrays...)
		st.hasMem = true
	}
	st.entries = append(st.entries, e)
}

// skip passes over any value, checking its syntax.
func (s *scanner) skip() error {
	if s.i >= len(s.data) {
		return s.fail("unexpected end of event")
	}
	switch c := s.data[s.i]; {
	case c == '{' || c == '[':
		return s.skipContainer()
	case c == '"':
		_, err := s.skipString()
		return err
	case c == 't' || c == 'f' || c == 'n':
		_, err := s.literal()
		return err
	default:
		return s.number()
	}
}

// skipContainer passes over an object or array in one tight loop. It checks structure
// (brackets nest and match, strings terminate and escape correctly, only JSON's characters
// appear between tokens) but not the grammar of numbers and literals inside the skipped
// subtree: those values are never read, and this keeps skipping large unneeded subtrees (a
// GeoJSON geometry, a CloudTrail responseElements) at memory speed.
//
// It reads eight bytes at a time: lanes of digits, signs, points, commas and colons (most of
// a geometry) pass untouched, and only the other lanes are looked at, in order, so an error is
// reported at the same byte a byte-by-byte reading would report it.
func (s *scanner) skipContainer() error {
	d := s.data
	i := s.i
	var stack [maxDepth/64 + 1]uint64 // bit set: the open bracket at that depth is '{'
	depth := s.depth
	base := depth
	for i < len(d) {
		var m uint64
		if i+8 <= len(d) {
			x := binary.LittleEndian.Uint64(d[i:])
			if allNumeric(x) {
				i += 8
				continue
			}
			m = notNumeric(x)
		} else {
			// The last few bytes, padded with a digit (never flagged).
			tail := [8]byte{'0', '0', '0', '0', '0', '0', '0', '0'}
			copy(tail[:], d[i:])
			m = notNumeric(binary.LittleEndian.Uint64(tail[:]))
		}
		for m != 0 {
			j := i + bits.TrailingZeros64(m)>>3
			m &= m - 1
			c := d[j]
			rel := uint(depth - base) // levels open in this container
			// Square brackets inside the container first, without the general checks: in a
			// geometry they are nearly every byte that gets here.
			if c == '[' && depth < maxDepth {
				stack[rel/64] &^= 1 << (rel % 64)
				depth++
				continue
			}
			if c == ']' && rel > 1 && stack[(rel-1)/64]&(1<<((rel-1)%64)) == 0 {
				depth--
				continue
			}
			switch tokenClass[c] {
			case clsOther: // spaces, exponents, the letters of literals
			case clsOpen:
				if depth >= maxDepth {
					s.i = j
					return s.fail("nesting too deep")
				}
				stack[rel/64] |= 1 << (rel % 64) // '{': '[' was taken above
				depth++
			case clsClose:
				if rel == 0 {
					s.i = j
					return s.fail("unbalanced closing bracket")
				}
				depth--
				rel--
				isObj := stack[rel/64]&(1<<(rel%64)) != 0
				if isObj != (c == '}') {
					s.i = j
					return s.fail("mismatched closing bracket")
				}
				if depth == base {
					s.i = j + 1
					return s.delimited()
				}
			case clsQuote:
				s.i = j
				if _, err := s.skipString(); err != nil {
					return err
				}
				i = s.i
				goto next
			default:
				s.i = j
				return s.fail("invalid character")
			}
		}
		i += 8
	next:
	}
	s.i = len(d)
	return s.fail("unterminated container")
}

// SWAR (SIMD within a register) on eight bytes of an event, loaded little-endian: lane k is
// byte k, so the lowest flagged lane is the first byte that stops a run.
const (
	lanes01 = 0x0101010101010101
	lanes7f = 0x7f7f7f7f7f7f7f7f
	lanes80 = 0x8080808080808080
)

// stringStops flags the lanes holding '"', '\\' or a control character (< 0x20). Lanes above
// the lowest flagged one may be flagged falsely (borrows), never the lowest itself, and a lane
// is never missed: the fast path only uses the lowest.
func stringStops(x uint64) uint64 {
	q := x ^ (lanes01 * '"')
	b := x ^ (lanes01 * '\\')
	return ((q-lanes01)&^q | (b-lanes01)&^b | (x-lanes01*0x20)&^x) & lanes80
}

// allNumeric reports whether notNumeric(x) == 0, in half the operations: it cannot say which
// lanes are not, since a borrow from a lane below '+' may spread, but such a lane fails alone.
func allNumeric(x uint64) bool {
	u := x - lanes01*'+' // every lane in '+'..':' becomes 0x00..0x0f, with no borrow
	v := u ^ lanes01*('/'-'+')
	return (u&(lanes01*0xf0) | (v-lanes01)&^v&lanes80) == 0 // nothing above 0x0f, no '/'
}

// notNumeric flags exactly the lanes outside '+' ',' '-' '.' '0'-'9' ':' (0x2b-0x3a but '/'):
// zero means eight bytes of numbers and separators, the bulk of a skipped geometry.
func notNumeric(x uint64) uint64 {
	low := x & lanes7f // lanes as 7-bit values: no carry crosses a lane below
	ge2b := (low + lanes01*(0x80-0x2b)) & lanes80
	ge3b := (low + lanes01*(0x80-0x3b)) & lanes80
	sl := (x ^ lanes01*'/') & lanes7f         // zero in the lanes holding '/' (or '/'|0x80)
	slash := ^((sl + lanes7f) | sl | lanes7f) // high bit set exactly where sl's lane is zero
	return (x & lanes80) | (ge2b ^ lanes80) | ge3b | slash
}

const (
	clsInvalid = iota
	clsOpen
	clsClose
	clsQuote
	clsOther // whitespace, separators, and the characters of numbers and literals
)

var tokenClass = func() (t [256]uint8) {
	t['{'], t['['] = clsOpen, clsOpen
	t['}'], t[']'] = clsClose, clsClose
	t['"'] = clsQuote
	for _, c := range []byte(" \t\r\n,:0123456789+-.eEtrufalsn") {
		t[c] = clsOther
	}
	return t
}()

// skipString passes over the string at s.i (at its opening quote) and reports whether it
// holds escapes.
func (s *scanner) skipString() (esc bool, err error) {
	end, esc, bad := stringEnd(s.data, s.i)
	s.i = end
	if bad != "" {
		return esc, s.fail(bad)
	}
	return esc, nil
}

// stringEnd returns the index just past the closing quote of the string that opens at d[i]
// and whether the string holds escapes; for a malformed string, the reason and the index of
// the fault. A plain function on an index, so that callers keep their index in a register.
func stringEnd(d []byte, i int) (end int, esc bool, bad string) {
	i++
	// Fast path: plain characters up to the closing quote, eight bytes at a time.
	for i+8 <= len(d) {
		if m := stringStops(binary.LittleEndian.Uint64(d[i:])); m != 0 {
			i += bits.TrailingZeros64(m) >> 3
			if d[i] == '"' {
				return i + 1, false, ""
			}
			return stringEndSlow(d, i)
		}
		i += 8
	}
	return stringEndSlow(d, i)
}

// stringEndSlow is stringEnd from i, inside the string, byte by byte through escapes.
func stringEndSlow(d []byte, i int) (end int, esc bool, bad string) {
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			return i + 1, esc, ""
		case c == '\\':
			esc = true
			if i+1 >= len(d) {
				return i, esc, "unterminated string"
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) || !isHex4(d[i+2:i+6]) {
					return i, esc, "bad \\u escape"
				}
				i += 6
			default:
				return i, esc, "bad escape"
			}
		case c < 0x20:
			return i, esc, "control character in string"
		default:
			i++
		}
	}
	return i, esc, "unterminated string"
}

func (s *scanner) literal() (valueType, error) {
	rest := s.data[s.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		s.i += 4
		return typTrue, s.delimited()
	case len(rest) >= 5 && string(rest[:5]) == "false":
		s.i += 5
		return typFalse, s.delimited()
	case len(rest) >= 4 && string(rest[:4]) == "null":
		s.i += 4
		return typNull, s.delimited()
	}
	return 0, s.fail("invalid literal")
}

func (s *scanner) delimited() error {
	if s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r', ',', ']', '}':
		default:
			return s.fail("invalid character after a value")
		}
	}
	return nil
}

// number checks the JSON number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
func (s *scanner) number() error {
	d := s.data
	i := s.i
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return s.fail("invalid value")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return s.fail("invalid number")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if i >= len(d) || d[i] < '0' || d[i] > '9' {
			return s.fail("invalid number")
		}
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	}
	s.i = i
	return s.delimited()
}

func isHex4(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func hex4(b []byte) rune {
	var r rune
	for _, c := range b {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c - 'a' + 10)
		default:
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}

// unescape appends the decoded form of a JSON string body (already syntax-checked) to dst.
func unescape(dst, raw []byte) []byte {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := hex4(raw[i+1 : i+5])
			i += 4
			if utf16.IsSurrogate(r) {
				r2 := rune(utf8.RuneError)
				if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' && isHex4(raw[i+3:i+7]) {
					r2 = hex4(raw[i+3 : i+7])
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, raw[i])
		}
	}
	return dst
}

// bytesToString views b as a string without copying. The string must not outlive this Match
// call: matchers only compare it.
func bytesToString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func parseFloat(b []byte) (float64, error) { return strconv.ParseFloat(bytesToString(b), 64) }
