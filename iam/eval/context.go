package eval

import "strings"

// Context holds the request's condition keys and their values. Keys are matched
// case-insensitively, as IAM does; a key with several values is multi-valued.
type Context map[string][]string

// Lookup returns the values of key, matching the key case-insensitively without allocating.
func (c Context) Lookup(key string) ([]string, bool) {
	if v, ok := c[key]; ok {
		return v, true
	}
	for k, v := range c {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}
