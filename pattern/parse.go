package pattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// Error is a pattern that EventBridge would reject. Path is the JSON key path to the
// offending place (e.g. ["detail", "state"]), so callers holding the pattern in another
// notation (a YAML rule file) can point at the right line.
type Error struct {
	Path []string
	Msg  string
}

func (e *Error) Error() string {
	if len(e.Path) == 0 {
		return e.Msg
	}
	return strings.Join(e.Path, ".") + ": " + e.Msg
}

// maxBranches bounds the expansion of nested $or into alternatives: past it a pattern is
// rejected as too complex rather than compiled into an outsized matcher.
const maxBranches = 1024

// maxWildcards is the number of '*' a wildcard (or anything-but wildcard) may hold. EventBridge
// rejects patterns whose wildcard complexity is too high; this count is the documented
// approximation we use (see PATTERNS.md).
const maxWildcards = 5

// Pattern is a parsed, valid event pattern: a disjunction of branches, each a conjunction of
// field conditions. Nested $or are expanded into branches.
type Pattern struct {
	src      []byte
	branches []branch
}

// String returns the pattern's source JSON.
func (p *Pattern) String() string { return string(p.src) }

// Fields returns the dotted paths of the event fields the pattern reads, sorted.
func (p *Pattern) Fields() []string {
	seen := map[string]bool{}
	var out []string
	for _, b := range p.branches {
		for _, f := range b {
			if !seen[f.path] {
				seen[f.path] = true
				out = append(out, f.path)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Matches reports whether the event matches p. For many patterns, Compile them once.
func (p *Pattern) Matches(event []byte) (bool, error) {
	m, err := Compile([]*Pattern{p})
	if err != nil {
		return false, err
	}
	got, err := m.Match(event, nil)
	return len(got) > 0, err
}

// branch is a conjunction: every field condition must hold.
type branch []field

// field holds when some value of the event at path satisfies one of its matchers (OR), or,
// when absentOK, when the event has no value at path.
type field struct {
	key      string // path and canonical operand text: equal keys are the same condition
	path     string
	matchers []matcher
	absentOK bool // the field lists {"exists": false}
}

type kind uint8

const (
	kExactString kind = iota
	kExactNumber
	kExactTrue
	kExactFalse
	kExactNull
	kPrefix
	kPrefixFold
	kSuffix
	kSuffixFold
	kEqualsFold
	kAnythingBut     // strs and/or nums
	kAnythingButPfx  // strs
	kAnythingButSfx  // strs
	kAnythingButFold // strs
	kAnythingButWild // wilds
	kNumeric
	kExists // exists: true (exists: false is field.absentOK)
	kCIDR
	kWildcard
)

// matcher is one element of a field's OR list.
type matcher struct {
	kind  kind
	str   string
	num   float64
	strs  []string
	nums  []float64
	rng   numRange
	cidr  netip.Prefix
	wild  *wildcard
	wilds []*wildcard
}

type numRange struct {
	lo, hi         float64
	hasLo, hasHi   bool
	loIncl, hiIncl bool
}

func (r numRange) contains(v float64) bool {
	if r.hasLo && (v < r.lo || (v == r.lo && !r.loIncl)) {
		return false
	}
	if r.hasHi && (v > r.hi || (v == r.hi && !r.hiIncl)) {
		return false
	}
	return true
}

// Parse parses and validates one EventBridge event pattern given as JSON. Duplicate keys keep
// the last value, as EventBridge does. The error, when the pattern is invalid, is an *Error.
func Parse(src []byte) (*Pattern, error) {
	v, err := decodeJSON(src)
	if err != nil {
		return nil, &Error{Msg: "pattern is not valid JSON: " + err.Error()}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Msg: "pattern must be a JSON object"}
	}
	branches, err := parseObject(obj, nil)
	if err != nil {
		return nil, err
	}
	return &Pattern{src: bytes.Clone(bytes.TrimSpace(src)), branches: branches}, nil
}

func decodeJSON(src []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the top-level object")
	}
	return v, nil
}

func errAt(path []string, format string, args ...any) *Error {
	return &Error{Path: append([]string(nil), path...), Msg: fmt.Sprintf(format, args...)}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// parseObject turns a pattern object into its disjunctive normal form.
func parseObject(obj map[string]any, path []string) ([]branch, error) {
	if len(obj) == 0 {
		return nil, errAt(path, "an object in a pattern must not be empty")
	}
	result := []branch{nil}
	for _, key := range sortedKeys(obj) {
		val := obj[key]
		kpath := append(append([]string(nil), path...), key)
		var alts []branch
		switch {
		case key == "$or":
			list, ok := val.([]any)
			if !ok {
				return nil, errAt(kpath, "$or must be an array of pattern objects")
			}
			if len(list) < 2 {
				return nil, errAt(kpath, "$or must have at least two alternatives")
			}
			for i, el := range list {
				sub, ok := el.(map[string]any)
				if !ok {
					return nil, errAt(append(kpath, strconv.Itoa(i)), "each $or alternative must be an object")
				}
				bs, err := parseObject(sub, path)
				if err != nil {
					return nil, err
				}
				alts = append(alts, bs...)
			}
		default:
			switch v := val.(type) {
			case map[string]any:
				bs, err := parseObject(v, kpath)
				if err != nil {
					return nil, err
				}
				alts = bs
			case []any:
				f, err := parseField(v, kpath)
				if err != nil {
					return nil, err
				}
				alts = []branch{{f}}
			default:
				return nil, errAt(kpath, "match values must be in an array (for example [%s])", jsonText(val))
			}
		}
		if len(result)*len(alts) > maxBranches {
			return nil, errAt(kpath, "pattern is too complex: its $or alternatives expand to more than %d combinations", maxBranches)
		}
		next := make([]branch, 0, len(result)*len(alts))
		for _, r := range result {
			for _, a := range alts {
				b := make(branch, 0, len(r)+len(a))
				b = append(append(b, r...), a...)
				next = append(next, b)
			}
		}
		result = next
	}
	return result, nil
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func parseField(list []any, path []string) (field, error) {
	f := field{path: strings.Join(path, ".")}
	if len(list) == 0 {
		return f, errAt(path, "match value arrays must not be empty")
	}
	f.key = f.path + "\x00" + jsonText(list)
	for _, el := range list {
		switch v := el.(type) {
		case string:
			f.matchers = append(f.matchers, matcher{kind: kExactString, str: v})
		case json.Number:
			n, err := number(v, path)
			if err != nil {
				return f, err
			}
			f.matchers = append(f.matchers, matcher{kind: kExactNumber, num: n})
		case bool:
			if v {
				f.matchers = append(f.matchers, matcher{kind: kExactTrue})
			} else {
				f.matchers = append(f.matchers, matcher{kind: kExactFalse})
			}
		case nil:
			f.matchers = append(f.matchers, matcher{kind: kExactNull})
		case map[string]any:
			m, absent, err := parseOperator(v, path)
			if err != nil {
				return f, err
			}
			if absent {
				f.absentOK = true
				continue
			}
			f.matchers = append(f.matchers, m)
		case []any:
			return f, errAt(path, "match values must not be nested arrays")
		}
	}
	return f, nil
}

func number(v json.Number, path []string) (float64, error) {
	n, err := strconv.ParseFloat(string(v), 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, errAt(path, "number %s is out of range", v)
	}
	return n, nil
}

// parseOperator parses one {"operator": operand} object. absent reports {"exists": false}.
func parseOperator(obj map[string]any, path []string) (m matcher, absent bool, err error) {
	if len(obj) != 1 {
		return m, false, errAt(path, "a match object must hold exactly one operator, found %d keys", len(obj))
	}
	var op string
	var arg any
	for k, v := range obj {
		op, arg = k, v
	}
	switch op {
	case "prefix", "suffix":
		s, fold, err := stringOrFold(arg, path, op)
		if err != nil {
			return m, false, err
		}
		k := map[[2]bool]kind{{true, false}: kPrefix, {true, true}: kPrefixFold, {false, false}: kSuffix, {false, true}: kSuffixFold}[[2]bool{op == "prefix", fold}]
		return matcher{kind: k, str: s}, false, nil
	case "equals-ignore-case":
		s, ok := arg.(string)
		if !ok {
			return m, false, errAt(path, "equals-ignore-case match pattern must be a string")
		}
		return matcher{kind: kEqualsFold, str: s}, false, nil
	case "anything-but":
		m, err := parseAnythingBut(arg, path)
		return m, false, err
	case "numeric":
		r, err := parseNumeric(arg, path)
		return matcher{kind: kNumeric, rng: r}, false, err
	case "exists":
		b, ok := arg.(bool)
		if !ok {
			return m, false, errAt(path, "exists match pattern must be either true or false")
		}
		if !b {
			return m, true, nil
		}
		return matcher{kind: kExists}, false, nil
	case "cidr":
		p, err := parseCIDR(arg, path)
		return matcher{kind: kCIDR, cidr: p}, false, err
	case "wildcard":
		s, ok := arg.(string)
		if !ok {
			return m, false, errAt(path, "wildcard match pattern must be a string")
		}
		w, err := compileWildcard(s)
		if err != nil {
			return m, false, errAt(path, "wildcard %q: %s", s, err)
		}
		return matcher{kind: kWildcard, wild: w}, false, nil
	default:
		return m, false, errAt(path, "unrecognized match type %q (operators are lowercase: prefix, suffix, equals-ignore-case, anything-but, numeric, exists, cidr, wildcard)", op)
	}
}

// stringOrFold accepts "s" or {"equals-ignore-case": "s"} (prefix and suffix forms).
func stringOrFold(arg any, path []string, op string) (string, bool, error) {
	switch v := arg.(type) {
	case string:
		return v, false, nil
	case map[string]any:
		if len(v) == 1 {
			if s, ok := v["equals-ignore-case"].(string); ok {
				return s, true, nil
			}
		}
		return "", false, errAt(path, "%s match pattern must be a string or {\"equals-ignore-case\": string}", op)
	default:
		return "", false, errAt(path, "%s match pattern must be a string", op)
	}
}

func parseAnythingBut(arg any, path []string) (matcher, error) {
	m := matcher{kind: kAnythingBut}
	switch v := arg.(type) {
	case string:
		m.strs = []string{v}
	case json.Number:
		n, err := number(v, path)
		if err != nil {
			return m, err
		}
		m.nums = []float64{n}
	case []any:
		if len(v) == 0 {
			return m, errAt(path, "anything-but list must not be empty")
		}
		for _, el := range v {
			switch e := el.(type) {
			case string:
				m.strs = append(m.strs, e)
			case json.Number:
				n, err := number(e, path)
				if err != nil {
					return m, err
				}
				m.nums = append(m.nums, n)
			default:
				return m, errAt(path, "inside anything-but list, only strings and numbers are allowed, found %s", jsonText(el))
			}
		}
		if len(m.strs) > 0 && len(m.nums) > 0 {
			return m, errAt(path, "inside anything-but list, values must be all strings or all numbers")
		}
	case map[string]any:
		if len(v) != 1 {
			return m, errAt(path, "anything-but object must hold exactly one of prefix, suffix, equals-ignore-case, wildcard")
		}
		for op, operand := range v {
			switch op {
			case "prefix", "suffix", "equals-ignore-case", "wildcard":
			default:
				return m, errAt(path, "unsupported anything-but operator %q (allowed: prefix, suffix, equals-ignore-case, wildcard)", op)
			}
			strs, err := stringList(operand, path, "anything-but "+op)
			if err != nil {
				return m, err
			}
			switch op {
			case "prefix", "suffix":
				for _, s := range strs {
					if s == "" {
						return m, errAt(path, "anything-but %s value must not be empty", op)
					}
				}
				m.kind = kAnythingButPfx
				if op == "suffix" {
					m.kind = kAnythingButSfx
				}
				m.strs = strs
			case "equals-ignore-case":
				m.kind, m.strs = kAnythingButFold, strs
			case "wildcard":
				m.kind = kAnythingButWild
				for _, s := range strs {
					w, err := compileWildcard(s)
					if err != nil {
						return m, errAt(path, "anything-but wildcard %q: %s", s, err)
					}
					m.wilds = append(m.wilds, w)
				}
			}
		}
	default:
		return m, errAt(path, "anything-but takes a string, a number, a list of either, or an object; found %s", jsonText(arg))
	}
	return m, nil
}

// stringList accepts a string or a non-empty list of strings.
func stringList(arg any, path []string, what string) ([]string, error) {
	switch v := arg.(type) {
	case string:
		return []string{v}, nil
	case []any:
		if len(v) == 0 {
			return nil, errAt(path, "%s list must not be empty", what)
		}
		out := make([]string, 0, len(v))
		for _, el := range v {
			s, ok := el.(string)
			if !ok {
				return nil, errAt(path, "%s values must be strings, found %s", what, jsonText(el))
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, errAt(path, "%s takes a string or a list of strings, found %s", what, jsonText(arg))
	}
}

func parseNumeric(arg any, path []string) (numRange, error) {
	var r numRange
	list, ok := arg.([]any)
	if !ok {
		return r, errAt(path, "numeric takes an array like [\">\", 0, \"<=\", 5]")
	}
	if len(list) == 0 || len(list)%2 != 0 || len(list) > 4 {
		return r, errAt(path, "numeric takes one or two (operator, number) pairs")
	}
	for i := 0; i < len(list); i += 2 {
		op, ok := list[i].(string)
		if !ok {
			return r, errAt(path, "numeric: expected an operator (<, <=, =, >=, >) at position %d", i)
		}
		num, ok := list[i+1].(json.Number)
		if !ok {
			return r, errAt(path, "numeric: the value after %q must be a number", op)
		}
		n, err := number(num, path)
		if err != nil {
			return r, err
		}
		switch op {
		case "=":
			if len(list) != 2 {
				return r, errAt(path, "numeric: \"=\" cannot be combined with another operator")
			}
			r = numRange{lo: n, hi: n, hasLo: true, hasHi: true, loIncl: true, hiIncl: true}
		case ">", ">=":
			if r.hasLo {
				return r, errAt(path, "numeric: only one lower bound (> or >=) is allowed")
			}
			r.lo, r.hasLo, r.loIncl = n, true, op == ">="
		case "<", "<=":
			if r.hasHi {
				return r, errAt(path, "numeric: only one upper bound (< or <=) is allowed")
			}
			r.hi, r.hasHi, r.hiIncl = n, true, op == "<="
		default:
			return r, errAt(path, "numeric: unrecognized operator %q", op)
		}
	}
	if r.hasLo && r.hasHi && (r.lo > r.hi || (r.lo == r.hi && !(r.loIncl && r.hiIncl))) {
		return r, errAt(path, "numeric: the lower bound must be below the upper bound")
	}
	return r, nil
}

func parseCIDR(arg any, path []string) (netip.Prefix, error) {
	s, ok := arg.(string)
	if !ok {
		return netip.Prefix{}, errAt(path, "cidr match pattern must be a string")
	}
	if !strings.Contains(s, "/") {
		return netip.Prefix{}, errAt(path, "malformed CIDR %q: one '/' required", s)
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, errAt(path, "malformed CIDR %q", s)
	}
	return p.Masked(), nil
}
