package actions

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// The parameter checks the configuration remediations share.

// wholeIn checks a YAML number is a whole number within lo and hi.
func wholeIn(lo, hi int) func(any) error {
	return func(v any) error {
		f, ok := number(v)
		if !ok || f != math.Trunc(f) || f < float64(lo) || f > float64(hi) {
			return fmt.Errorf("must be a whole number from %d to %d, got %v", lo, hi, v)
		}
		return nil
	}
}

// number is a YAML number (the loader's json.Number; a float64 or int of a hand-made rule).
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// oneOf checks a string is one of the values.
func oneOf(values ...string) func(any) error {
	return func(v any) error {
		if s, ok := v.(string); !ok || !slices.Contains(values, s) {
			return fmt.Errorf("must be one of %s, got %v", strings.Join(values, ", "), v)
		}
		return nil
	}
}

// someOf checks a non-empty list of strings, each one of the values, none twice.
func someOf(values ...string) func(any) error {
	return func(v any) error {
		l, ok := v.([]any)
		if !ok || len(l) == 0 {
			return fmt.Errorf("must be a non-empty list of %s, got %v", strings.Join(values, ", "), v)
		}
		for i, e := range l {
			if s, ok := e.(string); !ok || !slices.Contains(values, s) {
				return fmt.Errorf("must list only %s, got %v", strings.Join(values, ", "), e)
			}
			if slices.Contains(l[:i], e) {
				return fmt.Errorf("lists %v twice", e)
			}
		}
		return nil
	}
}

// strings of a list someOf checked.
func stringsOf(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		out = append(out, e.(string))
	}
	return out
}
