package pattern

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
)

// gen makes random valid patterns over scalar fields, and events for them, for the
// differential and property tests. Values come from small pools so that matches happen.
type gen struct{ r *rand.Rand }

var (
	genFields  = []string{"a", "b", "c.d", "c.e"}
	genStrings = []string{"alpha", "Alpha", "ALPHA", "alphabet", "beta", "bet", "", "10.0.0.5", "10.1.2.3", "192.168.1.1", "2001:db8::1", "a*b", "x/y/z", "é", "run", "running"}
	genNumbers = []float64{0, 1, 2.5, 100, -3, 1e6, 0.1}
)

func (g gen) str() string  { return genStrings[g.r.IntN(len(genStrings))] }
func (g gen) num() float64 { return genNumbers[g.r.IntN(len(genNumbers))] }
func (g gen) nonEmpty() string {
	for {
		if s := g.str(); s != "" {
			return s
		}
	}
}

func (g gen) wildcard() string {
	s := g.nonEmpty()
	for strings.Contains(s, "*") {
		s = g.nonEmpty()
	}
	switch g.r.IntN(4) {
	case 0:
		return "*" + s[len(s)/2:]
	case 1:
		return s[:len(s)/2] + "*"
	case 2:
		return s[:1] + "*" + s[len(s)-1:]
	}
	return s
}

func (g gen) operator() any {
	switch g.r.IntN(18) {
	case 0, 1:
		return g.str()
	case 2:
		return g.num()
	case 3:
		return nil
	case 4:
		return map[string]any{"prefix": g.str()}
	case 5:
		return map[string]any{"suffix": g.str()}
	case 6:
		return map[string]any{"prefix": map[string]any{"equals-ignore-case": g.str()}}
	case 7:
		return map[string]any{"equals-ignore-case": g.str()}
	case 8:
		return map[string]any{"anything-but": g.str()}
	case 9:
		return map[string]any{"anything-but": []any{g.str(), g.str()}}
	case 10:
		return map[string]any{"anything-but": []any{g.num(), g.num()}}
	case 11:
		return map[string]any{"anything-but": map[string]any{"prefix": g.nonEmpty()}}
	case 12:
		return map[string]any{"anything-but": map[string]any{"suffix": g.nonEmpty()}}
	case 13:
		return map[string]any{"anything-but": map[string]any{"equals-ignore-case": g.str()}}
	case 14:
		lo := g.num()
		return map[string]any{"numeric": []any{">=", lo, "<", lo + 1 + float64(g.r.IntN(200))}}
	case 15:
		return map[string]any{"exists": g.r.IntN(2) == 0}
	case 16:
		return map[string]any{"cidr": []string{"10.0.0.0/8", "10.0.0.0/24", "192.168.0.0/16", "2001:db8::/32"}[g.r.IntN(4)]}
	default:
		return map[string]any{"wildcard": g.wildcard()}
	}
}

// pattern returns a random valid pattern as JSON.
func (g gen) pattern() string {
	p := map[string]any{}
	for _, f := range genFields {
		if g.r.IntN(2) == 0 {
			continue
		}
		var list []any
		for n := 1 + g.r.IntN(2); n > 0; n-- {
			list = append(list, g.operator())
		}
		setPath(p, f, list)
	}
	if len(p) == 0 {
		setPath(p, "a", []any{g.operator()})
	}
	b, _ := json.Marshal(p)
	return string(b)
}

func (g gen) scalar() any {
	switch g.r.IntN(8) {
	case 0:
		return g.num()
	case 1:
		return nil
	case 2:
		return g.r.IntN(2) == 0
	default:
		return g.str()
	}
}

// event returns a random event over the same fields: scalars or non-empty arrays of them.
func (g gen) event() map[string]any {
	ev := map[string]any{"id": "1", "source": "test", "detail-type": "test"}
	for _, f := range genFields {
		switch g.r.IntN(5) {
		case 0: // absent
		case 1:
			if g.r.IntN(4) == 0 {
				setPath(ev, f, []any{})
			} else {
				setPath(ev, f, []any{g.scalar(), g.scalar()})
			}
		default:
			setPath(ev, f, g.scalar())
		}
	}
	return ev
}

func setPath(m map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		sub, ok := m[p].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[p] = sub
		}
		m = sub
	}
	m[parts[len(parts)-1]] = v
}

// satisfying returns an event that p (a generated pattern) must match: for each field it
// picks one operator and writes a value that satisfies it (or leaves the field out for
// {"exists": false}).
func (g gen) satisfying(pat string) (map[string]any, error) {
	var p map[string]any
	if err := json.Unmarshal([]byte(pat), &p); err != nil {
		return nil, err
	}
	ev := map[string]any{"id": "1"}
	var walk func(obj map[string]any, prefix string) error
	walk = func(obj map[string]any, prefix string) error {
		for k, v := range obj {
			path := k
			if prefix != "" {
				path = prefix + "." + k
			}
			switch v := v.(type) {
			case map[string]any:
				if err := walk(v, path); err != nil {
					return err
				}
			case []any:
				val, set, err := satisfy(v[g.r.IntN(len(v))])
				if err != nil {
					return err
				}
				if set {
					setPath(ev, path, val)
				}
			}
		}
		return nil
	}
	return ev, walk(p, "")
}

// satisfy returns a value matching one operator; set is false for {"exists": false}.
func satisfy(op any) (val any, set bool, err error) {
	switch o := op.(type) {
	case string, float64, nil:
		return o, true, nil
	case map[string]any:
		for k, arg := range o {
			switch k {
			case "prefix", "suffix":
				s, ok := arg.(string)
				if !ok {
					s = strings.ToUpper(arg.(map[string]any)["equals-ignore-case"].(string))
				}
				if k == "prefix" {
					return s + "zz", true, nil
				}
				return "zz" + s, true, nil
			case "equals-ignore-case":
				return strings.ToUpper(arg.(string)), true, nil
			case "anything-but":
				return "\x01never-generated", true, nil
			case "numeric":
				r := arg.([]any)
				return r[1].(float64), true, nil
			case "exists":
				if arg.(bool) {
					return "x", true, nil
				}
				return nil, false, nil
			case "cidr":
				return strings.Split(arg.(string), "/")[0], true, nil
			case "wildcard":
				return strings.ReplaceAll(arg.(string), "*", "zz"), true, nil
			}
		}
	}
	return nil, false, fmt.Errorf("satisfy: unexpected operator %v", op)
}
