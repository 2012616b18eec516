package rules

import (
	"fmt"
	"path"
	"slices"
	"time"

	"github.com/ec2guard/ec2guard/resource"
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

// Needs is what a read of the resource must fetch for the filter to be judged: nothing for
// id and kind, which come from the event; the Describe call for tags and state.
func (f Filter) Needs() resource.Needs {
	if f.Kind == FilterTag || f.Kind == FilterState {
		return resource.NeedDescribe
	}
	return 0
}

// Match reports whether a resource, as read now, satisfies the filter. now is the engine's
// clock, for filters on ages.
func (f Filter) Match(r *resource.Resource, now time.Time) bool {
	switch f.Kind {
	case FilterState:
		return slices.Contains(f.Values, string(r.State))
	case FilterID:
		return slices.Contains(f.Values, r.ID)
	case FilterKindK:
		return slices.Contains(f.Values, string(r.Kind))
	case FilterTag:
		v, ok := r.Tags[f.Tag]
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

// String says what the filter asks, for a decision's reason.
func (f Filter) String() string {
	switch f.Kind {
	case FilterTag:
		if len(f.Values) > 0 {
			return fmt.Sprintf("tag %s %s %v", f.Tag, f.Op, f.Values)
		}
		return fmt.Sprintf("tag %s %s", f.Tag, f.Op)
	default:
		return fmt.Sprintf("%s in %v", f.Kind, f.Values)
	}
}
