package event

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// CallName returns the eventName of an "AWS API Call via CloudTrail" event ("" for other
// events): EventName when the source read it already, otherwise read from the detail's top
// level without decoding the rest of it. Records of events no rule matched carry it, and a
// busy trail is mostly such events, so this costs one scan of the detail and no decoding.
func (e *Event) CallName() string {
	if e.DetailType != DetailTypeAPICall {
		return ""
	}
	if e.EventName != "" {
		return e.EventName
	}
	return topLevelString(e.Detail, eventNameKey)
}

var eventNameKey = []byte("eventName")

// topLevelString returns the string value of key at the top level of obj as encoding/json
// would decode it into a string field: the last member whose key folds to key wins, null
// leaves what an earlier member gave, and "" when obj is not an object or the value is of
// another type.
func topLevelString(obj, key []byte) string {
	i := skipWS(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return ""
	}
	found := ""
	for i = skipWS(obj, i+1); i < len(obj); {
		if obj[i] == '}' {
			return found
		}
		ks := i
		if i = skipString(obj, i); i < 0 {
			return ""
		}
		k := obj[ks+1 : i-1]
		if i = skipWS(obj, i); i >= len(obj) || obj[i] != ':' {
			return ""
		}
		vs := skipWS(obj, i+1)
		if i = skipValue(obj, vs); i < 0 {
			return ""
		}
		if keyIs(k, obj[ks:vs], key) {
			switch v := obj[vs:i]; {
			case v[0] == '"' && bytes.IndexByte(v, '\\') < 0 && utf8.Valid(v):
				found = string(v[1 : len(v)-1])
			case v[0] == '"':
				var dec string // its own variable: found would escape to the heap
				if json.Unmarshal(v, &dec) != nil {
					return ""
				}
				found = dec
			case string(v) != "null":
				return "" // a number, an object...: not a name
			}
		}
		if i = skipWS(obj, i); i < len(obj) && obj[i] == ',' {
			i = skipWS(obj, i+1)
		} else if i >= len(obj) || obj[i] != '}' {
			return ""
		}
	}
	return ""
}

// keyIs reports whether the raw key k (quoted in member, which runs to the colon) folds to
// key, as encoding/json matches struct fields.
func keyIs(k, member, key []byte) bool {
	if bytes.IndexByte(k, '\\') < 0 {
		return len(k) == len(key) && bytes.EqualFold(k, key)
	}
	var s string
	end := bytes.LastIndexByte(member, '"')
	return end > 0 && json.Unmarshal(member[:end+1], &s) == nil && bytes.EqualFold([]byte(s), key)
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] (a quote), or -1.
func skipString(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	for i++; ; {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return -1
		}
		q := i + j
		n := 0 // the backslashes just before the quote: an odd number escapes it
		for k := q - 1; k >= i && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return q + 1
		}
		i = q + 1
	}
}

// structural marks the bytes skipValue stops at inside an object or array.
var structural = [256]bool{'"': true, '{': true, '[': true, '}': true, ']': true}

// skipValue returns the index after the value starting at b[i], or -1. It checks only what it
// needs to find the value's end: the detail of a parsed event is valid JSON already.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			for i < len(b) && !structural[b[i]] {
				i++
			}
			if i >= len(b) {
				break
			}
			switch b[i] {
			case '"':
				if i = skipString(b, i); i < 0 {
					return -1
				}
				i--
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}
