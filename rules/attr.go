package rules

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ec2guard/ec2guard/internal/editdist"
	"github.com/ec2guard/ec2guard/resource"
)

// The attr filter: {attr: PATH, OP: VALUE [, match: any|all]} judges a field of the
// resource's Attrs. The path is compiled once, at load, against the schema of each kind the
// rule judges; evaluation walks the tree without allocating.
//
// Absent fields (what AWS left out, or a path through an absent object) are judged as a
// rule writer selecting what is wrong expects: only present and not-equals (and absent) can
// hold of them. equals, one-of, glob, contains, less-than, greater-than and older-than never
// hold of an absent field; not-equals holds (an absent value equals nothing), so an IMDSv2
// rule written {attr: MetadataOptions.HttpTokens, not-equals: required} selects an instance
// whose HttpTokens AWS left out instead of letting it pass.
//
// A path with [] judges the list's elements: by default the filter holds when it holds of
// any element (match: any); match: all requires every element. A list with no elements (or
// an absent one) has none to hold of: any does not hold, all holds.

// The attr operators besides the tag ones (equals, present, absent, one-of, glob).
const (
	OpNotEquals   TagOp = "not-equals"
	OpLessThan    TagOp = "less-than"
	OpGreaterThan TagOp = "greater-than"
	OpOlderThan   TagOp = "older-than"
	OpContains    TagOp = "contains"
)

// attrOps are the operators of an attr filter, in the order messages list them.
var attrOps = []TagOp{TagEquals, OpNotEquals, TagOneOf, TagGlob, TagPresent, TagAbsent, OpLessThan, OpGreaterThan, OpOlderThan, OpContains}

// opTypes are the field types each operator applies to.
var opTypes = map[TagOp][]resource.Type{
	TagEquals:     {resource.String, resource.Number, resource.Bool},
	OpNotEquals:   {resource.String, resource.Number, resource.Bool},
	TagOneOf:      {resource.String, resource.Number},
	TagGlob:       {resource.String},
	TagPresent:    nil, // any
	TagAbsent:     nil,
	OpLessThan:    {resource.Number, resource.Time},
	OpGreaterThan: {resource.Number, resource.Time},
	OpOlderThan:   {resource.Time},
	OpContains:    {resource.String, resource.List},
}

// attrPred is an attr filter compiled for one kind.
type attrPred struct {
	steps    []step
	lastEach int // the index of the path's last [] step; -1 when it has none
	all      bool
	op       TagOp
	typ      resource.Type // of the compared value: the leaf's, or a contains list's element
	str      string
	strs     []string
	num      float64
	nums     []float64
	b        bool
	t        time.Time
	dur      time.Duration
	globs    []glob
	list     bool // contains on a list
}

func (p *attrPred) match(r *resource.Resource, now time.Time) bool {
	return p.walk(r.Attrs, 0, now)
}

// walk follows the steps from v; at an each step it judges the elements (any or all).
func (p *attrPred) walk(v any, i int, now time.Time) bool {
	for ; i < len(p.steps); i++ {
		s := &p.steps[i]
		if s.each {
			elems, _ := v.([]any)
			for _, e := range elems {
				if p.walk(e, i+1, now) != p.all {
					return !p.all
				}
			}
			return p.all
		}
		m, _ := v.(map[string]any)
		var ok bool
		if v, ok = m[s.name]; !ok {
			if i < p.lastEach {
				return p.all // a list further on is absent: it has no elements
			}
			return p.leaf(nil, false, now)
		}
	}
	return p.leaf(v, true, now)
}

func (p *attrPred) leaf(v any, present bool, now time.Time) bool {
	switch p.op {
	case TagPresent:
		return present
	case TagAbsent:
		return !present
	case OpNotEquals:
		return !present || !p.equal(v)
	}
	if !present {
		return false
	}
	switch p.op {
	case TagEquals:
		return p.equal(v)
	case TagOneOf:
		return p.oneOf(v)
	case TagGlob:
		s, ok := v.(string)
		if !ok {
			return false
		}
		for i := range p.globs {
			if p.globs[i].match(s) {
				return true
			}
		}
		return false
	case OpLessThan, OpGreaterThan:
		var c int
		if p.typ == resource.Time {
			t, ok := v.(time.Time)
			if !ok {
				return false
			}
			c = t.Compare(p.t)
		} else {
			f, ok := number(v)
			if !ok {
				return false
			}
			switch {
			case f < p.num:
				c = -1
			case f > p.num:
				c = 1
			}
		}
		return c < 0 && p.op == OpLessThan || c > 0 && p.op == OpGreaterThan
	case OpOlderThan:
		t, ok := v.(time.Time)
		return ok && now.Sub(t) >= p.dur
	case OpContains:
		if !p.list {
			s, ok := v.(string)
			return ok && strings.Contains(s, p.str)
		}
		elems, _ := v.([]any)
		for _, e := range elems {
			if p.equal(e) {
				return true
			}
		}
	}
	return false
}

func (p *attrPred) equal(v any) bool {
	switch p.typ {
	case resource.String:
		s, ok := v.(string)
		return ok && s == p.str
	case resource.Number:
		f, ok := number(v)
		return ok && f == p.num
	case resource.Bool:
		b, ok := v.(bool)
		return ok && b == p.b
	}
	return false
}

func (p *attrPred) oneOf(v any) bool {
	if p.typ == resource.Number {
		f, ok := number(v)
		if !ok {
			return false
		}
		return slices.Contains(p.nums, f)
	}
	s, ok := v.(string)
	if !ok {
		return false
	}
	return slices.Contains(p.strs, s)
}

// number reads a numeric Attrs value: float64, as awsapi.Tree writes them (ints too, for
// trees built by hand).
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, !math.IsNaN(n)
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	}
	return 0, false
}

// compilePath follows steps through a kind's schema: the field the path names, and what a
// read must fetch for it (the union of the Needs along the path, the Describe at least).
// An error names the step it stops at.
func compilePath(kind resource.Kind, root *resource.Field, steps []step) (*resource.Field, resource.Needs, int, error) {
	f, needs := root, resource.NeedDescribe
	if f == nil {
		return nil, 0, 0, fmt.Errorf("%s has no attributes to judge", kind)
	}
	where := string(kind)
	for i, s := range steps {
		if s.each {
			if f.Type != resource.List {
				return nil, 0, i, fmt.Errorf("%s is a %s of %s, not a list: [] steps into lists only", where, f.Type, kind)
			}
			f = f.Elem
			needs |= f.Needs
			where += "[]"
			continue
		}
		if f.Type == resource.List {
			return nil, 0, i, fmt.Errorf("%s is a list of %s: write %s[].%s to judge its elements", where, kind, where, s.name)
		}
		if f.Type != resource.Object {
			return nil, 0, i, fmt.Errorf("%s is a %s of %s: it has no field %s", where, f.Type, kind, s.name)
		}
		c := f.Fields[s.name]
		if c == nil {
			of := "of " + string(kind)
			if i > 0 {
				of = "of " + where + " (" + string(kind) + ")"
			}
			msg := fmt.Sprintf("unknown field %s %s", s.name, of)
			if near, ok := nearest(s.name, f.Names()); ok {
				msg += fmt.Sprintf(" (did you mean %s?)", near)
			}
			return nil, 0, i, fmt.Errorf("%s; known: %s", msg, strings.Join(f.Names(), ", "))
		}
		needs |= c.Needs
		f = c
		if i == 0 {
			where = s.name
		} else {
			where += "." + s.name
		}
	}
	return f, needs, 0, nil
}

// nearest is the known name closest to a misspelt one: the same but for case, or within a
// small edit distance.
func nearest(name string, known []string) (string, bool) {
	best, bestD := "", -1
	lower := strings.ToLower(name)
	for _, k := range known {
		if strings.ToLower(k) == lower {
			return k, true
		}
		d := editdist.Levenshtein(lower, strings.ToLower(k))
		if bestD < 0 || d < bestD {
			best, bestD = k, d
		}
	}
	if bestD >= 0 && bestD <= max(1, min(3, len(name)/3)) {
		return best, true
	}
	return "", false
}

// glob is a compiled glob of * (any run of characters, / included) and ? (one character);
// \ escapes the next character.
type glob struct {
	parts []string // the literal runs between stars
	quest [][]bool // per part, per byte: a ? (matches any one character)
}

func compileGlob(s string) glob {
	var g glob
	var cur []byte
	var q []bool
	flush := func() {
		g.parts = append(g.parts, string(cur))
		g.quest = append(g.quest, q)
		cur, q = nil, nil
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '*':
			flush()
		case c == '?':
			cur, q = append(cur, '?'), append(q, true)
		case c == '\\' && i+1 < len(s):
			i++
			cur, q = append(cur, s[i]), append(q, false)
		default:
			cur, q = append(cur, c), append(q, false)
		}
	}
	flush()
	return g
}

// match reports whether s matches the glob (byte-wise: a ? matches one byte of a multi-byte
// character; EC2's values are ASCII where globs are useful).
func (g *glob) match(s string) bool {
	n := len(g.parts)
	if n == 1 {
		return len(s) == len(g.parts[0]) && g.at(0, s, 0)
	}
	first, last := g.parts[0], g.parts[n-1]
	if len(s) < len(first)+len(last) || !g.at(0, s, 0) || !g.at(n-1, s, len(s)-len(last)) {
		return false
	}
	pos, end := len(first), len(s)-len(last)
	for i := 1; i < n-1; i++ {
		p := g.parts[i]
		found := false
		for ; pos+len(p) <= end; pos++ {
			if g.at(i, s, pos) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
		pos += len(p)
	}
	return true
}

// at reports whether part i matches s at offset off.
func (g *glob) at(i int, s string, off int) bool {
	p, q := g.parts[i], g.quest[i]
	if off+len(p) > len(s) {
		return false
	}
	for j := 0; j < len(p); j++ {
		if !q[j] && s[off+j] != p[j] {
			return false
		}
	}
	return true
}
