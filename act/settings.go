package act

import (
	"fmt"
	"slices"

	"github.com/ec2guard/ec2guard/engine"
)

// What the configuration remediations' runners share.

// needAPI is the factory's API as the calls a runner declares (a small interface in the
// runner's file): an API without them is refused when the action is built, not when it acts.
func needAPI[T any](f *Factory, action string) (T, error) {
	api, ok := f.API.(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("action %s: the AWS API %T lacks the calls it makes", action, f.API)
	}
	return api, nil
}

// built is the action, made to decide on its resource read again after an earlier action
// of the handling changed it (rereading), or nil with the error of building it.
func built[API reader](a decider, api API, err error) (engine.Action, error) {
	if err != nil {
		return nil, err
	}
	return rereading{decider: a, api: api}, nil
}

// unread says the read of an account setting failed (awsapi names it in Attrs.Unread): the
// setting is unknown, not absent, and nothing is decided on it.
func unread(r *engine.Resource, field string) bool {
	l, _ := r.Attrs["Unread"].([]any)
	return slices.Contains(l, any(field))
}

// object is the object at a path of Attrs (nil where there is none).
func object(m map[string]any, path ...string) map[string]any {
	for _, p := range path {
		m, _ = m[p].(map[string]any)
	}
	return m
}

// text is a string field, or what stands for it where AWS gave none.
func text(m map[string]any, key, none string) string {
	if s, ok := m[key].(string); ok && s != "" {
		return s
	}
	return none
}

// hopLimit is the hop limit a change sets (want, or the current one where want is 0), and
// the words of what changes.
func hopLimit(m map[string]any, want int32) (int32, string) {
	cur, known := m["HttpPutResponseHopLimit"].(float64)
	switch {
	case want == 0 && known:
		return int32(cur), fmt.Sprintf("hop limit %d (kept)", int32(cur))
	case want == 0:
		return 0, "hop limit kept"
	case known && int32(cur) == want:
		return want, fmt.Sprintf("hop limit %d (as it was)", want)
	case known:
		return want, fmt.Sprintf("hop limit %d → %d", int32(cur), want)
	}
	return want, fmt.Sprintf("hop limit (none) → %d", want)
}

// hopMet says the hop limit is what the action asks (any, when it asks none).
func hopMet(m map[string]any, want int32) bool {
	cur, _ := m["HttpPutResponseHopLimit"].(float64)
	return want == 0 || int32(cur) == want
}
