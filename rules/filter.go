package rules

import (
	"path"
	"slices"
)

// FilterKind is what a filter looks at.
type FilterKind string

// The filter kinds.
const (
	FilterTag   FilterKind = "tag"   // a tag of the resource
	FilterState FilterKind = "state" // the instance state (running, stopped...)
	FilterID    FilterKind = "id"    // the resource id
	FilterKindK FilterKind = "kind"  // the resource kind (instance, volume, snapshot, image)
)

// TagOp is how a tag filter compares.
type TagOp string

// The tag operators.
const (
	TagEquals  TagOp = "equals"
	TagPresent TagOp = "present"
	TagAbsent  TagOp = "absent"
	TagOneOf   TagOp = "one-of"
	TagGlob    TagOp = "glob"
)

// Filter is one condition on the resource as it is now; a rule's filters all must hold.
type Filter struct {
	Kind   FilterKind
	Tag    string   // FilterTag: the tag key
	Op     TagOp    // FilterTag: the comparison
	Values []string // the accepted values (equals: one; one-of, glob, state, id, kind: any)
	Loc    Location
}

// NeedsResource reports whether the filter reads the resource's current state (tags or
// state), which costs an AWS call; id and kind come from the event.
func (f Filter) NeedsResource() bool { return f.Kind == FilterTag || f.Kind == FilterState }

// Match reports whether a resource satisfies the filter.
func (f Filter) Match(kind, id, state string, tags map[string]string) bool {
	switch f.Kind {
	case FilterState:
		return slices.Contains(f.Values, state)
	case FilterID:
		return slices.Contains(f.Values, id)
	case FilterKindK:
		return slices.Contains(f.Values, kind)
	case FilterTag:
		v, ok := tags[f.Tag]
		switch f.Op {
		case TagPresent:
			return ok
		case TagAbsent:
			return !ok
		case TagEquals, TagOneOf:
			return ok && slices.Contains(f.Values, v)
		case TagGlob:
			if !ok {
				return false
			}
			for _, g := range f.Values {
				if m, err := path.Match(g, v); err == nil && m {
					return true
				}
			}
		}
	}
	return false
}
