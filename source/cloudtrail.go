package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"

	"github.com/ec2guard/ec2guard/event"
)

// The fast path of CloudTrail log files. Replaying logs in dry run must reach 100k events/s
// per core (PRODUCT §8), and the general path — validate the file, decode it, decode each
// record, marshal the envelope, parse it back — read every byte six times. Here one pass
// validates the file, slices the records out of it and reads the five envelope fields of each
// record's top level; the envelope is then written around the record as bytes. Both paths
// read a file exactly as encoding/json reads it: of duplicate keys the last wins (here too),
// and a key that is not plain ASCII (escapes, which encoding/json decodes, or other letters,
// which it folds) or that is a field's name in other letter case sends its record — or, at
// the top level, the whole file — to the general path, as do escapes in one of the fields, a
// field that is not a string and a file that is not valid JSON. FuzzCloudTrailFastPath holds
// the fast path to encoding/json.

// trailRecord is one record of a log, with the envelope fields read from it (raw, without
// quotes, free of escapes); general says it must take the general path.
type trailRecord struct {
	raw                          []byte
	id, src, at, region, account []byte
	name                         []byte // eventName, for the records; nil when irregular
	general                      bool
}

var errInvalid = errors.New("invalid JSON")

// maxNesting is encoding/json's own limit, so both paths accept the same files.
const maxNesting = 10000

// cloudTrailRecords validates data (a whole log file) and returns its "Records"; ok is false
// when data is not a valid JSON object with a "Records" array.
func cloudTrailRecords(data []byte) (recs []trailRecord, ok bool) {
	s := &walker{data: data}
	found := false
	err := s.object(func(key []byte) error {
		if string(key) != "Records" {
			if !plainKey(key) || asciiFold(key, "Records") {
				// encoding/json would (or might: escapes decoded, Unicode folded) read it as
				// "Records", the last of them winning: leave the file to the general path.
				return errInvalid
			}
			return s.value()
		}
		if s.i >= len(data) || data[s.i] != '[' {
			return errInvalid
		}
		found, recs = true, make([]trailRecord, 0, len(data)/1024) // about a record per KiB
		return s.array(func() error {
			rec, err := s.record()
			recs = append(recs, rec)
			return err
		})
	})
	if err != nil || !found || s.ws() != len(data) {
		return nil, false
	}
	return recs, true
}

// envelopeSize bounds what the envelope adds to a record beside the fields' values.
const envelopeSize = 160

// fastCloudTrail wraps one record in its EventBridge envelope, written into slab (one
// allocation for a whole file's events, rather than one each); ok is false when the record
// needs the general path.
func fastCloudTrail(pos string, r trailRecord, slab *[]byte) (it Item, ok bool) {
	if r.general {
		return Item{}, false
	}
	if len(r.id) == 0 || len(r.src) == 0 {
		return fromCloudTrail(pos, r.raw), true // the general path words the error
	}
	svc, _, _ := bytes.Cut(r.src, []byte{'.'})
	need := len(r.raw) + len(r.id) + len(svc) + len(r.at) + len(r.region) + len(r.account) + envelopeSize
	if cap(*slab)-len(*slab) < need {
		*slab = make([]byte, 0, max(need, 1<<20))
	}
	n := len(*slab)
	raw := (*slab)[n : n : n+need] // its own capacity: no event can write into another's
	raw = append(raw, `{"version":"0","id":"`...)
	raw = append(raw, r.id...)
	raw = append(raw, `","detail-type":"`+event.DetailTypeAPICall+`","source":"aws.`...)
	raw = append(raw, svc...)
	raw = append(raw, `","account":"`...)
	raw = append(raw, r.account...)
	raw = append(raw, `","time":"`...)
	raw = append(raw, r.at...)
	raw = append(raw, `","region":"`...)
	raw = append(raw, r.region...)
	raw = append(raw, `","resources":[],"detail":`...)
	start := len(raw)
	raw = append(raw, r.raw...)
	raw = append(raw, '}')
	*slab = (*slab)[:n+len(raw)]
	// Strings without escapes read the same raw and decoded, so the fields are the raw bytes.
	ev := &event.Event{Version: "0", ID: string(r.id), DetailType: event.DetailTypeAPICall, Source: "aws." + string(svc),
		Account: string(r.account), Time: string(r.at), Region: string(r.region), Resources: []string{},
		Detail: json.RawMessage(raw[start : len(raw)-1]), Raw: raw}
	if len(r.name) >= 2 {
		ev.EventName = string(r.name[1 : len(r.name)-1])
	}
	return Item{Pos: pos, Event: ev}, true
}

// walker validates JSON as encoding/json.Valid does (same grammar, same nesting limit),
// in one pass.
type walker struct {
	data  []byte
	i     int
	depth int
}

func (s *walker) ws() int {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return s.i
		}
	}
	return s.i
}

// record validates one element of "Records" and reads its envelope fields.
func (s *walker) record() (trailRecord, error) {
	start := s.ws()
	var r trailRecord
	if start >= len(s.data) || s.data[start] != '{' {
		err := s.value()
		r.raw, r.general = s.data[start:s.i], true
		return r, err
	}
	err := s.object(func(key []byte) error {
		var dst *[]byte
		switch string(key) {
		case "eventID":
			dst = &r.id
		case "eventSource":
			dst = &r.src
		case "eventTime":
			dst = &r.at
		case "awsRegion":
			dst = &r.region
		case "recipientAccountId":
			dst = &r.account
		case "eventName":
			vs := s.i
			err := s.value()
			r.name = s.data[vs:s.i]
			if len(r.name) < 2 || r.name[0] != '"' || bytes.IndexByte(r.name, '\\') >= 0 || !utf8.Valid(r.name) {
				r.name = nil // event.CallName reads it from the detail, as encoding/json would
			}
			return err
		default:
			if !plainKey(key) || foldsToField(key) {
				r.general = true // encoding/json would (or might) read it as one of the fields
			}
			return s.value()
		}
		vs := s.i
		if err := s.value(); err != nil {
			return err
		}
		v := s.data[vs:s.i]
		if len(v) < 2 || v[0] != '"' || bytes.IndexByte(v, '\\') >= 0 || !utf8.Valid(v) {
			r.general = true // null, a number, escapes: the general path decides
		} else {
			*dst = v[1 : len(v)-1]
		}
		return nil
	})
	r.raw = s.data[start:s.i]
	return r, err
}

// foldsToField reports whether key, a plain key, is one of the envelope fields in other
// letter case (which encoding/json matches too).
func foldsToField(key []byte) bool {
	for _, f := range [...]string{"eventID", "eventSource", "eventTime", "awsRegion", "recipientAccountId", "eventName"} {
		if asciiFold(key, f) {
			return true
		}
	}
	return false
}

// plainKey reports whether a raw key reads the same to encoding/json as its bytes: ASCII
// without escapes. encoding/json decodes escapes ("Rec\u006frds" is "Records") and folds
// letter case beyond ASCII when it matches a key to a field (U+017F "ſ" matches "s", the
// Kelvin sign "k"), by its own rules, so any other key is left to encoding/json itself.
func plainKey(key []byte) bool {
	for _, c := range key {
		if c == '\\' || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// asciiFold reports whether the ASCII key equals name but for letter case, as encoding/json
// folds ASCII.
func asciiFold(key []byte, name string) bool {
	if len(key) != len(name) {
		return false
	}
	for i := range len(key) {
		a, b := key[i], name[i]
		if 'a' <= a && a <= 'z' {
			a -= 'a' - 'A'
		}
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// object validates an object at s.i; f validates each member's value (s.i at its start) and
// sees its key raw, without the quotes.
func (s *walker) object(f func(key []byte) error) error {
	if s.ws() >= len(s.data) || s.data[s.i] != '{' {
		return errInvalid
	}
	more, err := s.open('}')
	for more && err == nil {
		if s.ws() >= len(s.data) || s.data[s.i] != '"' {
			return errInvalid
		}
		ks := s.i
		if err := s.str(); err != nil {
			return err
		}
		key := s.data[ks+1 : s.i-1]
		if s.ws() >= len(s.data) || s.data[s.i] != ':' {
			return errInvalid
		}
		s.i++
		s.ws()
		if err := f(key); err != nil {
			return err
		}
		more, err = s.next('}')
	}
	return err
}

// array validates an array at s.i; f validates each element.
func (s *walker) array(f func() error) error {
	more, err := s.open(']')
	for more && err == nil {
		s.ws()
		if err := f(); err != nil {
			return err
		}
		more, err = s.next(']')
	}
	return err
}

// open enters the object or array at s.i and reports whether it has members before close.
func (s *walker) open(close byte) (more bool, err error) {
	if s.depth++; s.depth > maxNesting {
		return false, errInvalid
	}
	s.i++
	if s.ws() < len(s.data) && s.data[s.i] == close {
		s.i++
		s.depth--
		return false, nil
	}
	return true, nil
}

// next reads what follows a member or element: a comma (more follow) or close (the end).
func (s *walker) next(close byte) (more bool, err error) {
	if s.ws() >= len(s.data) {
		return false, errInvalid
	}
	switch s.data[s.i] {
	case ',':
		s.i++
		return true, nil
	case close:
		s.i++
		s.depth--
		return false, nil
	}
	return false, errInvalid
}

func (s *walker) value() error {
	if s.ws() >= len(s.data) {
		return errInvalid
	}
	switch c := s.data[s.i]; {
	case c == '"':
		return s.str()
	case c == '{':
		return s.object(func([]byte) error { return s.value() })
	case c == '[':
		return s.array(s.value)
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	return errInvalid
}

func (s *walker) literal(lit string) error {
	if !bytes.HasPrefix(s.data[s.i:], []byte(lit)) {
		return errInvalid
	}
	s.i += len(lit)
	return nil
}

// strStop marks the bytes a string's fast scan stops at: the quote, the backslash and the
// control characters JSON forbids in strings.
var strStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

func (s *walker) str() error {
	d := s.data
	i := s.i + 1
	for {
		for i < len(d) && !strStop[d[i]] {
			i++
		}
		if i >= len(d) || d[i] < 0x20 {
			return errInvalid
		}
		if d[i] == '"' {
			s.i = i + 1
			return nil
		}
		// An escape.
		if i+1 >= len(d) {
			return errInvalid
		}
		switch d[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if i+6 > len(d) || !isHex(d[i+2]) || !isHex(d[i+3]) || !isHex(d[i+4]) || !isHex(d[i+5]) {
				return errInvalid
			}
			i += 6
		default:
			return errInvalid
		}
	}
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func (s *walker) number() error {
	d, i := s.data, s.i
	digits := func() bool {
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i > j
	}
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case !digits():
		return errInvalid
	}
	if i < len(d) && d[i] == '.' {
		i++
		if !digits() {
			return errInvalid
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if !digits() {
			return errInvalid
		}
	}
	s.i = i
	return nil
}
