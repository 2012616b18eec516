// Package policy parses IAM policy documents (identity, resource, boundary, SCP and session
// policies) into statements that remember their line:column positions, and reports every
// problem a document has in one pass.
package policy

import (
	"fmt"
	"strings"
)

// Location is a position in a policy file.
type Location struct {
	File         string
	Line, Column int
}

func (l Location) String() string {
	if l.File == "" {
		return fmt.Sprintf("%d:%d", l.Line, l.Column)
	}
	return fmt.Sprintf("%s:%d:%d", l.File, l.Line, l.Column)
}

// Effect is a statement's effect.
type Effect string

// The two effects IAM knows; Effect is case-sensitive in IAM.
const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Version values IAM accepts. Without 2012-10-17 policy variables are literal text.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Document is one parsed policy.
type Document struct {
	Name       string // the file name or policy name it was loaded as
	Version    string // "" when absent
	ID         string
	Statements []*Statement
	Loc        Location
}

// Principal is the value of Principal or NotPrincipal. All is set for the bare "*" form;
// Values maps the principal type ("AWS", "Service", "Federated", "CanonicalUser") to its values.
type Principal struct {
	All    bool
	Values map[string][]string
}

// Statement is one statement of a document.
type Statement struct {
	Index                   int // position in the document, from 0
	Sid                     string
	Effect                  Effect
	Action, NotAction       []string // exactly one is non-nil in a valid statement
	Resource, NotResource   []string // nil when absent
	Principal, NotPrincipal *Principal
	Conditions              []Condition
	Loc                     Location
}

// Ref names the statement for people: its Sid, or its index when it has none.
func (s *Statement) Ref() string {
	if s.Sid != "" {
		return s.Sid
	}
	return fmt.Sprintf("#%d", s.Index)
}

// Condition is one (operator, key) pair of a Condition block with its values.
type Condition struct {
	Operator string // as written, e.g. "ForAnyValue:StringLikeIfExists"
	Op       Operator
	Key      string // as written; condition keys are case-insensitive
	Values   []string
	Loc      Location
}

// Issue is one problem in a document.
type Issue struct {
	Loc Location
	Msg string
}

func (i Issue) String() string { return i.Loc.String() + ": " + i.Msg }

// ParseError lists every problem Parse found.
type ParseError struct {
	Issues []Issue
}

func (e *ParseError) Error() string {
	parts := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		parts[i] = is.String()
	}
	return strings.Join(parts, "\n")
}

// Parse parses a policy document. A document that is valid JSON but breaks IAM's grammar is
// returned together with a *ParseError listing every problem, so callers can still report
// positions and analyze the valid statements; invalid JSON returns only the error.
func Parse(name string, src []byte) (*Document, error) {
	p := &parser{name: name, src: src, lines: lineStarts(src)}
	root, err := decodeTree(src)
	if err != nil {
		off := 0
		if oe, ok := err.(*offsetError); ok {
			off = oe.off
		}
		return nil, &ParseError{Issues: []Issue{{Loc: p.loc(off), Msg: err.Error()}}}
	}
	doc := p.document(root)
	if len(p.issues) > 0 {
		return doc, &ParseError{Issues: p.issues}
	}
	return doc, nil
}

type parser struct {
	name   string
	src    []byte
	lines  []int
	issues []Issue
}

func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// loc converts a byte offset to a 1-based line and a 1-based column counted in characters.
func (p *parser) loc(off int) Location {
	if off > len(p.src) {
		off = len(p.src)
	}
	lo, hi := 0, len(p.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if p.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	col := 1 + len([]rune(string(p.src[p.lines[lo]:off])))
	return Location{File: p.name, Line: lo + 1, Column: col}
}

func (p *parser) errorf(off int, format string, args ...any) {
	p.issues = append(p.issues, Issue{Loc: p.loc(off), Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) document(root *node) *Document {
	doc := &Document{Name: p.name, Loc: p.loc(root.off)}
	if root.kind != kObject {
		p.errorf(root.off, "policy document must be a JSON object, not %s", root.kind)
		return doc
	}
	var stmts *node
	for i, k := range root.keys {
		v := root.vals[i]
		switch k {
		case "Version":
			if v.kind != kString || (v.str != Version2012 && v.str != Version2008) {
				p.errorf(v.off, "Version must be %q or %q", Version2012, Version2008)
				continue
			}
			doc.Version = v.str
		case "Id":
			if v.kind != kString {
				p.errorf(v.off, "Id must be a string")
				continue
			}
			doc.ID = v.str
		case "Statement":
			stmts = v
		default:
			p.errorf(root.keyOff[i], "unknown policy element %q", k)
		}
	}
	if stmts == nil {
		p.errorf(root.off, "policy has no Statement")
		return doc
	}
	switch stmts.kind {
	case kObject:
		doc.Statements = append(doc.Statements, p.statement(stmts, 0))
	case kArray:
		if len(stmts.vals) == 0 {
			p.errorf(stmts.off, "Statement is empty")
		}
		for i, s := range stmts.vals {
			if s.kind != kObject {
				p.errorf(s.off, "statement must be an object, not %s", s.kind)
				continue
			}
			doc.Statements = append(doc.Statements, p.statement(s, i))
		}
	default:
		p.errorf(stmts.off, "Statement must be an object or a list of objects, not %s", stmts.kind)
	}
	return doc
}

func (p *parser) statement(n *node, index int) *Statement {
	st := &Statement{Index: index, Loc: p.loc(n.off)}
	seenEffect := false
	for i, k := range n.keys {
		v := n.vals[i]
		switch k {
		case "Sid":
			if v.kind != kString {
				p.errorf(v.off, "Sid must be a string")
				continue
			}
			st.Sid = v.str
		case "Effect":
			seenEffect = true
			if v.kind != kString || (v.str != string(Allow) && v.str != string(Deny)) {
				p.errorf(v.off, "Effect must be \"Allow\" or \"Deny\"")
				continue
			}
			st.Effect = Effect(v.str)
		case "Action":
			st.Action = p.actions(v, k)
		case "NotAction":
			st.NotAction = p.actions(v, k)
		case "Resource":
			st.Resource = p.stringList(v, k)
		case "NotResource":
			st.NotResource = p.stringList(v, k)
		case "Principal":
			st.Principal = p.principal(v, k)
		case "NotPrincipal":
			st.NotPrincipal = p.principal(v, k)
		case "Condition":
			st.Conditions = p.conditions(v)
		default:
			p.errorf(n.keyOff[i], "unknown statement element %q", k)
		}
	}
	if !seenEffect {
		p.errorf(n.off, "statement %s has no Effect", st.Ref())
	}
	_, aOff := n.field("Action")
	_, naOff := n.field("NotAction")
	switch {
	case aOff >= 0 && naOff >= 0:
		p.errorf(naOff, "statement %s has both Action and NotAction", st.Ref())
	case aOff < 0 && naOff < 0:
		p.errorf(n.off, "statement %s has neither Action nor NotAction", st.Ref())
	}
	if _, rOff := n.field("Resource"); rOff >= 0 {
		if _, nrOff := n.field("NotResource"); nrOff >= 0 {
			p.errorf(nrOff, "statement %s has both Resource and NotResource", st.Ref())
		}
	}
	if _, pOff := n.field("Principal"); pOff >= 0 {
		if _, npOff := n.field("NotPrincipal"); npOff >= 0 {
			p.errorf(npOff, "statement %s has both Principal and NotPrincipal", st.Ref())
		}
	}
	return st
}

// stringList accepts a string or a non-empty list of strings; the result is never nil when
// the element is present, so presence can be told from absence.
func (p *parser) stringList(n *node, elem string) []string {
	switch n.kind {
	case kString:
		return []string{n.str}
	case kArray:
		out := make([]string, 0, len(n.vals))
		if len(n.vals) == 0 {
			p.errorf(n.off, "%s is an empty list", elem)
		}
		for _, v := range n.vals {
			if v.kind != kString {
				p.errorf(v.off, "%s values must be strings, not %s", elem, v.kind)
				continue
			}
			out = append(out, v.str)
		}
		return out
	}
	p.errorf(n.off, "%s must be a string or a list of strings, not %s", elem, n.kind)
	return []string{}
}

func (p *parser) actions(n *node, elem string) []string {
	out := p.stringList(n, elem)
	for _, a := range out {
		if a == "*" {
			continue
		}
		svc, name, ok := strings.Cut(a, ":")
		if !ok || svc == "" || name == "" || strings.ContainsAny(svc, "*?") {
			p.errorf(n.off, "%s %q is not of the form service:action", elem, a)
		}
	}
	return out
}

var principalTypes = []string{"AWS", "Service", "Federated", "CanonicalUser"}

func (p *parser) principal(n *node, elem string) *Principal {
	if n.kind == kString {
		if n.str != "*" {
			p.errorf(n.off, "%s must be \"*\" or an object", elem)
		}
		return &Principal{All: n.str == "*"}
	}
	if n.kind != kObject {
		p.errorf(n.off, "%s must be \"*\" or an object, not %s", elem, n.kind)
		return &Principal{}
	}
	pr := &Principal{Values: map[string][]string{}}
	for i, k := range n.keys {
		known := false
		for _, t := range principalTypes {
			if k == t {
				known = true
			}
		}
		if !known {
			p.errorf(n.keyOff[i], "unknown %s type %q", elem, k)
			continue
		}
		pr.Values[k] = append(pr.Values[k], p.stringList(n.vals[i], elem+"."+k)...)
	}
	return pr
}

func (p *parser) conditions(n *node) []Condition {
	if n.kind != kObject {
		p.errorf(n.off, "Condition must be an object, not %s", n.kind)
		return nil
	}
	var out []Condition
	for i, opName := range n.keys {
		block := n.vals[i]
		op, err := ParseOperator(opName)
		if err != nil {
			p.errorf(n.keyOff[i], "%v", err)
		}
		if block.kind != kObject {
			p.errorf(block.off, "condition %s must be an object of keys to values, not %s", opName, block.kind)
			continue
		}
		for j, key := range block.keys {
			c := Condition{Operator: opName, Op: op, Key: key, Loc: p.loc(block.keyOff[j])}
			c.Values = p.conditionValues(block.vals[j], opName, key)
			out = append(out, c)
		}
	}
	return out
}

func (p *parser) conditionValues(n *node, op, key string) []string {
	scalar := func(v *node) (string, bool) {
		switch v.kind {
		case kString, kNumber, kBool:
			return v.str, true
		}
		p.errorf(v.off, "condition %s %s: values must be strings, numbers or booleans, not %s", op, key, v.kind)
		return "", false
	}
	if n.kind == kArray {
		out := make([]string, 0, len(n.vals))
		for _, v := range n.vals {
			if s, ok := scalar(v); ok {
				out = append(out, s)
			}
		}
		return out
	}
	if s, ok := scalar(n); ok {
		return []string{s}
	}
	return nil
}
