package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ec2guard/ec2guard/resource"
)

// instanceStates are the names of resource.States(), as rule files write them.
var instanceStates = func() []string {
	var out []string
	for _, st := range resource.States() {
		out = append(out, string(st))
	}
	return out
}()

// filterKinds are the kinds a kind filter may name: those rules judge, and the network
// interface (which the tag action reaches through its instance).
func filterKinds() []string {
	var out []string
	for _, k := range resource.Kinds() {
		out = append(out, string(k))
	}
	return append(out, string(resource.NetworkInterface))
}

const filterForms = "{tag: KEY, OP: ...}, {attr: PATH, OP: VALUE}, {state: [...]}, {id: [...]}, {kind: [...]}, {ingress: {...}}, {public: true}, {exposed: {...}}, {stopped-for: 30d}, {unused: true}, {acl-ingress: {...}}, {ingress-except: {...}} or {secrets: true}"

// resources reads a rule's resources: the kinds it judges.
func (l *loader) resources(n *yaml.Node) []resource.Kind {
	names := l.strList(n, "resources")
	var out []resource.Kind
	for i, name := range names {
		k, ok := resource.ParseKind(name)
		switch {
		case name == "":
			continue // strList said why
		case !ok || k == resource.NetworkInterface:
			l.errorf(elem(n, i), "unknown resource kind %q in resources (known: %s)", name, resource.KindNames())
		case slices.Contains(out, k):
			l.errorf(elem(n, i), "resources names %s twice", name)
		default:
			out = append(out, k)
		}
	}
	return out
}

// filters reads a rule's filters and compiles the attr and semantic ones for each of the
// kinds the rule judges (none when the rule's kinds are unknown: its pattern failed).
func (l *loader) filters(n *yaml.Node, kinds []resource.Kind) []Filter {
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "filters must be a list")
		return nil
	}
	var out []Filter
	for _, item := range n.Content {
		item = resolve(item)
		if item.Kind != yaml.MappingNode || len(item.Content) == 0 {
			l.errorf(item, "a filter is a mapping: %s", filterForms)
			continue
		}
		f := Filter{Loc: l.at(item)}
		fields := map[string]*yaml.Node{}
		keys := map[string]*yaml.Node{}
		for i := 0; i+1 < len(item.Content); i += 2 {
			fields[item.Content[i].Value] = resolve(item.Content[i+1])
			keys[item.Content[i].Value] = item.Content[i]
		}
		first := item.Content[0].Value
		switch {
		case fields["attr"] != nil:
			if !l.attrFilter(&f, item, kinds) {
				continue
			}
		case fields["tag"] != nil:
			l.tagFilter(&f, item, fields)
			l.applies(keys["tag"], "a tag filter", kinds, func(k resource.Kind) bool { return k != resource.Account })
		case len(fields) == 1 && fields["state"] != nil:
			f.Kind, f.Values = FilterState, l.strList(fields["state"], "state")
			for i, s := range f.Values {
				if !slices.Contains(instanceStates, s) {
					l.errorf(elem(fields["state"], i), "unknown instance state %q (known: %s)", s, strings.Join(instanceStates, ", "))
				}
			}
			l.applies(keys["state"], "a state filter", kinds, func(k resource.Kind) bool { return k == resource.Instance })
		case len(fields) == 1 && fields["id"] != nil:
			f.Kind, f.Values = FilterID, l.strList(fields["id"], "id")
		case len(fields) == 1 && fields["kind"] != nil:
			f.Kind, f.Values = FilterKindK, l.strList(fields["kind"], "kind")
			known := filterKinds()
			for i, s := range f.Values {
				if !slices.Contains(known, s) {
					l.errorf(elem(fields["kind"], i), "unknown resource kind %q (known: %s)", s, strings.Join(known, ", "))
				}
			}
		case semantics[FilterKind(first)] != nil:
			if !l.semanticFilter(&f, item, kinds) {
				continue
			}
		default:
			l.errorf(item, "unknown filter: use %s", filterForms)
			continue
		}
		out = append(out, f)
	}
	return out
}

// applies reports, at the filter's key, each of the rule's kinds the filter cannot judge.
func (l *loader) applies(at *yaml.Node, what string, kinds []resource.Kind, ok func(resource.Kind) bool) {
	var bad, good []string
	for _, k := range kinds {
		if ok(k) {
			good = append(good, string(k))
		} else {
			bad = append(bad, string(k))
		}
	}
	if len(bad) > 0 {
		l.errorf(at, "%s does not apply to %s, which the rule judges (resources: %s); narrow the rule's resources or drop the filter", what, strings.Join(bad, ", "), kindList(kinds))
	}
}

func kindList(kinds []resource.Kind) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return "[" + strings.Join(names, ", ") + "]"
}

func (l *loader) tagFilter(f *Filter, item *yaml.Node, fields map[string]*yaml.Node) {
	f.Kind, f.Tag = FilterTag, l.str(fields["tag"], "tag")
	var ops []string
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i].Value, resolve(item.Content[i+1])
		switch TagOp(k) {
		case TagEquals:
			f.Op, f.Values = TagEquals, []string{l.str(v, "equals")}
		case TagOneOf:
			f.Op, f.Values = TagOneOf, l.strList(v, "one-of")
		case TagGlob:
			f.Op, f.Values = TagGlob, l.strList(v, "glob")
		case TagPresent, TagAbsent:
			l.isTrue(v, k)
			f.Op = TagOp(k)
		case "tag":
			continue
		default:
			l.errorf(item.Content[i], "unknown tag filter key %q (one of equals, present, absent, one-of, glob)", k)
			continue
		}
		ops = append(ops, k)
	}
	if len(ops) != 1 {
		l.errorf(item, "a tag filter needs exactly one of equals, present, absent, one-of, glob (found %d)", len(ops))
	}
}

// isTrue checks a value that can only be true (present: true).
func (l *loader) isTrue(v *yaml.Node, what string) bool {
	var b bool
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" || v.Decode(&b) != nil || !b {
		l.errorf(v, "%s takes true", what)
		return false
	}
	return true
}

// attrFilter reads {attr: PATH, OP: VALUE [, match: any|all]} and compiles it for each kind.
func (l *loader) attrFilter(f *Filter, item *yaml.Node, kinds []resource.Kind) bool {
	f.Kind = FilterAttr
	before := len(l.errs)
	var pathNode, opNode, opKey *yaml.Node
	for i := 0; i+1 < len(item.Content); i += 2 {
		k, v := item.Content[i], resolve(item.Content[i+1])
		switch {
		case k.Value == "attr":
			pathNode = v
		case k.Value == "match":
			switch l.str(v, "match") {
			case "any":
			case "all":
				f.All = true
			case "":
			default:
				l.errorf(v, "match must be any or all, not %q", v.Value)
			}
		case slices.Contains(attrOps, TagOp(k.Value)):
			if opKey != nil {
				l.errorf(k, "an attr filter takes one operator; it has %s and %s (write two filters: all must hold)", opKey.Value, k.Value)
				continue
			}
			opKey, opNode = k, v
			f.Op = TagOp(k.Value)
		default:
			l.errorf(k, "unknown attr filter key %q (attr, match, and one operator: %s)", k.Value, opNames())
		}
	}
	if opKey == nil {
		l.errorf(item, "an attr filter needs one operator: %s", opNames())
	}
	var steps []step
	var err error
	if pathNode.Kind == yaml.ScalarNode && pathNode.ShortTag() != "!!null" {
		f.Path = pathNode.Value
		if steps, err = parsePath(f.Path); err != nil {
			pe := err.(*pathError)
			l.errs = append(l.errs, &Error{Loc: l.inScalar(pathNode, pe.at), Msg: "attr: " + pe.msg})
		}
	} else {
		err = errInvalid
		l.errorf(pathNode, "attr must be a path of the resource's fields (MetadataOptions.HttpTokens)")
	}
	if f.All && !slices.ContainsFunc(steps, func(s step) bool { return s.each }) && err == nil {
		l.errorf(pathNode, "match: all judges the elements of a list, and %s steps into none (write [] after a list field: Items[].Field)", f.Path)
	}
	// Go on as far as each part allows: every problem of the filter is reported in one run.
	if opKey == nil {
		return false
	}
	val, ok := l.opValue(f.Op, opNode)
	if !ok || err != nil {
		return false
	}
	f.Values = val.texts
	j := &judge{}
	for _, k := range kinds {
		p, needs, ok := l.compileAttr(k, steps, f, pathNode, opKey, opNode, val)
		if !ok {
			continue
		}
		j.kinds, j.needs, j.preds = append(j.kinds, k), append(j.needs, needs), append(j.preds, p)
	}
	f.judge = j
	return len(l.errs) == before
}

func opNames() string {
	names := make([]string, len(attrOps))
	for i, op := range attrOps {
		names[i] = string(op)
	}
	return strings.Join(names, ", ")
}

// inScalar is the location of byte off of a scalar's value, where the source shows it as
// written (a plain or quoted scalar on one line); the scalar's own location otherwise.
func (l *loader) inScalar(n *yaml.Node, off int) Location {
	at := l.at(n)
	switch n.Style {
	case 0:
		at.Column += off
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		at.Column += 1 + off
	}
	return at
}

// opValue is an operator's value as written, checked for what does not depend on the field
// (present takes true, older-than a duration, one-of a list).
type opValue struct {
	nodes []*yaml.Node // the scalar values (one-of: each element)
	texts []string     // their text, for String
	dur   time.Duration
}

func (l *loader) opValue(op TagOp, v *yaml.Node) (opValue, bool) {
	var out opValue
	switch op {
	case TagPresent, TagAbsent:
		return out, l.isTrue(v, string(op))
	case OpOlderThan:
		s := l.str(v, string(op))
		if s == "" {
			return out, false
		}
		d, err := parseDuration(s)
		if err != nil {
			l.errorf(v, "older-than: %v", err)
			return out, false
		}
		out.dur, out.texts = d, []string{s}
		return out, true
	case TagOneOf, TagGlob:
		if v.Kind == yaml.SequenceNode {
			if len(v.Content) == 0 {
				l.errorf(v, "%s needs at least one value", op)
				return out, false
			}
			for _, c := range v.Content {
				out.nodes = append(out.nodes, resolve(c))
			}
			break
		}
		out.nodes = []*yaml.Node{v}
	default:
		out.nodes = []*yaml.Node{v}
	}
	ok := true
	for _, n := range out.nodes {
		if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
			l.errorf(n, "%s takes a string, number or boolean", op)
			ok = false
			continue
		}
		out.texts = append(out.texts, n.Value)
	}
	return out, ok
}

// compileAttr compiles an attr filter for one kind: its path against the kind's schema,
// its operator against the field's type, its value against the type and enum.
func (l *loader) compileAttr(k resource.Kind, steps []step, f *Filter, pathNode, opKey, opNode *yaml.Node, val opValue) (pred, resource.Needs, bool) {
	leaf, needs, at, err := compilePath(k, resource.Schema(k), steps)
	if err != nil {
		l.errs = append(l.errs, &Error{Loc: l.inScalar(pathNode, steps[at].at), Msg: "attr: " + err.Error()})
		return nil, 0, false
	}
	p := &attrPred{steps: steps, lastEach: -1, all: f.All, op: f.Op, typ: leaf.Type}
	for i, s := range steps {
		if s.each {
			p.lastEach = i
		}
	}
	types := opTypes[f.Op]
	if types != nil && !slices.Contains(types, leaf.Type) {
		l.errorf(opKey, "%s does not apply to %s, a %s of %s (%s takes %s)", f.Op, f.Path, leaf.Type, k, f.Op, typeNames(types))
		return nil, 0, false
	}
	switch f.Op {
	case TagPresent, TagAbsent:
		return p, needs, true
	case OpOlderThan:
		p.dur = val.dur
		return p, needs, true
	case OpContains:
		if leaf.Type == resource.List {
			e := leaf.Elem
			if e == nil || e.Type != resource.String && e.Type != resource.Number && e.Type != resource.Bool {
				l.errorf(opKey, "contains does not apply to %s, a list of %s of %s: contains takes a list of strings or numbers, or a string (to judge the elements of a list of objects, step into it: %s[].Field)", f.Path, elemType(e), k, f.Path)
				return nil, 0, false
			}
			p.list, leaf = true, e
			p.typ = e.Type
		} else {
			// a substring: any string will do, the enum is not checked
			if !l.scalarIs(val.nodes[0], "!!str", f, "a string") {
				return nil, 0, false
			}
			p.str = val.nodes[0].Value
			return p, needs, true
		}
	}
	ok := true
	for _, n := range val.nodes {
		if !l.typedValue(p, leaf, n, f, k) {
			ok = false
		}
	}
	return p, needs, ok
}

func elemType(e *resource.Field) string {
	if e == nil {
		return "values"
	}
	return e.Type.String() + "s"
}

func typeNames(ts []resource.Type) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = "a " + t.String()
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func (l *loader) scalarIs(n *yaml.Node, tag string, f *Filter, what string) bool {
	if n.ShortTag() != tag {
		hint := ""
		if tag == "!!str" {
			hint = fmt.Sprintf(": quote it (%q)", n.Value)
		}
		l.errorf(n, "%s of %s takes %s, not %s%s", f.Op, f.Path, what, n.Value, hint)
		return false
	}
	return true
}

// typedValue reads one value of the operator into p, as the field's type.
func (l *loader) typedValue(p *attrPred, leaf *resource.Field, n *yaml.Node, f *Filter, k resource.Kind) bool {
	switch leaf.Type {
	case resource.String:
		if !l.scalarIs(n, "!!str", f, "a string") {
			return false
		}
		if f.Op == TagGlob {
			g := compileGlob(n.Value)
			if len(leaf.Enum) > 0 && !slices.ContainsFunc(leaf.Enum, g.match) {
				l.errorf(n, "glob %q matches no value of %s (%s)", n.Value, f.Path, strings.Join(leaf.Enum, ", "))
				return false
			}
			p.globs = append(p.globs, g)
			return true
		}
		if len(leaf.Enum) > 0 && !slices.Contains(leaf.Enum, n.Value) {
			msg := fmt.Sprintf("%q is not a value of %s of %s (one of: %s)", n.Value, f.Path, k, strings.Join(leaf.Enum, ", "))
			if near, ok := nearest(n.Value, leaf.Enum); ok {
				msg += fmt.Sprintf("; did you mean %s?", near)
			}
			l.errorf(n, "%s", msg)
			return false
		}
		p.str = n.Value
		p.strs = append(p.strs, n.Value)
	case resource.Number:
		if t := n.ShortTag(); t != "!!int" && t != "!!float" {
			l.errorf(n, "%s of %s takes a number, not %q", f.Op, f.Path, n.Value)
			return false
		}
		x, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil {
			var i int64
			if n.Decode(&i) != nil {
				l.errorf(n, "%q is not a number", n.Value)
				return false
			}
			x = float64(i)
		}
		p.num = x
		p.nums = append(p.nums, x)
	case resource.Bool:
		if !l.scalarIs(n, "!!bool", f, "true or false") {
			return false
		}
		p.b = n.Value == "true"
	case resource.Time:
		t, err := parseTime(n.Value)
		if err != nil {
			l.errorf(n, "%s of %s takes a timestamp (2024-01-31 or 2024-01-31T12:00:00Z), not %q", f.Op, f.Path, n.Value)
			return false
		}
		p.t = t
	}
	return true
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", s)
}

// parseDuration reads a duration of whole units: 30d, 12h, 90m, 45s, 2w, or a sum of them
// (1d12h). A day is 24 hours.
func parseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("a duration is a number and a unit: 30d, 12h, 90m")
	}
	units := map[byte]time.Duration{'w': 7 * 24 * time.Hour, 'd': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}
	var total time.Duration
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i || j == len(s) {
			return 0, fmt.Errorf("%q is not a duration: write a number and a unit (w, d, h, m, s): 30d, 12h, 90m", s)
		}
		u, ok := units[s[j]]
		if !ok {
			return 0, fmt.Errorf("%q is not a duration: unknown unit %q (w, d, h, m, s)", s, s[j])
		}
		n, err := strconv.ParseInt(s[i:j], 10, 64)
		if err != nil || n > int64(1<<62)/int64(u) || total > time.Duration(1<<62)-time.Duration(n)*u {
			return 0, fmt.Errorf("%q is too long a duration", s)
		}
		total += time.Duration(n) * u
		i = j + 1
	}
	if total <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration", s)
	}
	return total, nil
}

// elem is the node of a strList value: the list's i-th item, or the string itself.
func elem(n *yaml.Node, i int) *yaml.Node {
	if n.Kind == yaml.SequenceNode && i < len(n.Content) {
		return resolve(n.Content[i])
	}
	return n
}
