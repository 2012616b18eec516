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
	FilterAttr  FilterKind = "attr"  // a field of the resource's Attrs (Path, Op, a value)

	// The semantic filters: each judges what attr cannot say well (semantic.go).
	FilterIngress    FilterKind = "ingress"     // a security group (or an instance's) lets ports in from the internet
	FilterPublic     FilterKind = "public"      // a snapshot or image shared with everyone
	FilterExposed    FilterKind = "exposed"     // an instance the internet reaches on given ports
	FilterStoppedFor FilterKind = "stopped-for" // an instance stopped for at least a duration
	FilterUnused     FilterKind = "unused"      // an address, volume or security group nothing uses

	// Semantic filters the control catalogue needs (one file each).
	FilterACLIngress    FilterKind = "acl-ingress"    // a network ACL lets ports in from the internet
	FilterIngressExcept FilterKind = "ingress-except" // a security group lets in from the internet more than given ports
	FilterSecrets       FilterKind = "secrets"        // user data (an instance's, a launch template's) holds a secret
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
//
// The tag, state, id and kind filters are the fields below (deploy and the loop check read
// them). The attr and semantic filters are compiled by Load for each kind the rule judges
// (Rule.Resources): Match of a resource of another kind does not hold, and neither does
// Match of a resource whose read (Resource.Read) lacks what NeedsFor(its kind) says.
type Filter struct {
	Kind   FilterKind
	Tag    string   // FilterTag: the tag key
	Op     TagOp    // FilterTag and FilterAttr: the comparison
	Values []string // the accepted values (equals: one; one-of, glob, state, id, kind: any)
	Path   string   // FilterAttr: the path as written (MetadataOptions.HttpTokens)
	All    bool     // FilterAttr: match: all (every element of the path's lists must hold)
	Param  string   // semantic filters: their parameters as written, for String
	Loc    Location
	judge  *judge // attr and semantic filters, compiled per kind by Load
}

// judge is a filter compiled for each kind the rule judges.
type judge struct {
	kinds []resource.Kind
	needs []resource.Needs
	preds []pred
}

// pred is a filter compiled for one kind.
type pred interface {
	match(r *resource.Resource, now time.Time) bool
}

// Needs is what a read of the resource must fetch for the filter to be judged: nothing for
// id and kind, which come from the event; the Describe call for tags and state; for attr
// and semantic filters the union over the rule's kinds of what NeedsFor says.
func (f Filter) Needs() resource.Needs {
	if f.judge != nil {
		var n resource.Needs
		for _, m := range f.judge.needs {
			n |= m
		}
		return n
	}
	if f.Kind == FilterTag || f.Kind == FilterState {
		return resource.NeedDescribe
	}
	return 0
}

// NeedsFor is what a read of a resource of kind k must fetch for the filter to be judged
// (Needs is the union over the rule's kinds; a security group needs no instance's exposure).
func (f Filter) NeedsFor(k resource.Kind) resource.Needs {
	if f.judge == nil {
		return f.Needs()
	}
	for i, jk := range f.judge.kinds {
		if jk == k {
			return f.judge.needs[i]
		}
	}
	return 0
}

// Match reports whether a resource, as read now, satisfies the filter. now is the engine's
// clock, for filters on ages.
func (f Filter) Match(r *resource.Resource, now time.Time) bool {
	if f.judge != nil {
		for i, k := range f.judge.kinds {
			if k == r.Kind {
				return r.Read.Has(f.judge.needs[i]) && f.judge.preds[i].match(r, now)
			}
		}
		return false
	}
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
	case FilterAttr:
		all := ""
		if f.All {
			all = " (all)"
		}
		if len(f.Values) > 0 {
			return fmt.Sprintf("attr %s%s %s %v", f.Path, all, f.Op, f.Values)
		}
		return fmt.Sprintf("attr %s%s %s", f.Path, all, f.Op)
	case FilterState, FilterID, FilterKindK:
		return fmt.Sprintf("%s in %v", f.Kind, f.Values)
	default:
		return fmt.Sprintf("%s %s", f.Kind, f.Param)
	}
}

// NeedsFor is what a read of a resource of kind k must fetch for all of the rule's filters
// to be judged: the union of their NeedsFor(k). Reading a resource with the union of
// Filter.Needs instead asks, of a security group, for an instance's exposure, which no read
// of a group can fetch, so its Read never has it.
func (r *Rule) NeedsFor(k resource.Kind) resource.Needs {
	var n resource.Needs
	for _, f := range r.Filters {
		n |= f.NeedsFor(k)
	}
	return n
}
