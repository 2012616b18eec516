package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ec2guard/ec2guard/iam/checks"
	"github.com/ec2guard/ec2guard/iam/policy"
	"github.com/ec2guard/ec2guard/internal/yamldoc"
)

// CloudFormation templates (JSON or YAML, read with the same YAML parser, which keeps
// every node's line and column). Each policy document in an AWS::IAM::* resource is
// re-emitted as JSON with every token placed at its node's line and column, so the policy
// parser's positions — of statements and of problems alike — are positions in the template.
//
// Intrinsic functions are resolved to what they most likely produce: pseudo parameters to
// fixed example values, Ref to a parameter's Default (or "ref-NAME"), Fn::Sub by those
// rules, Fn::Join, Fn::Select and Fn::Split computed, Fn::If's first branch, and others to a
// placeholder without wildcards — a reference to one resource, never "*".

type template struct {
	file      string
	params    map[string]string
	resources map[string]*yaml.Node // logical ID → Properties
	types     map[string]string     // IAM resources' types
	kinds     map[string]string     // every resource's type, for Fn::GetAtt
	order     []string
}

var pseudo = map[string]string{
	"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws",
	"AWS::StackName": "stack", "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/stack/id",
	"AWS::URLSuffix": "amazonaws.com",
}

func loadTemplate(name string, src []byte) (*Inventory, error) {
	// Bounded: the walks below follow aliases, which must neither recurse nor explode.
	top, err := yamldoc.Parse(src, yamldoc.Default)
	if err != nil {
		return nil, fmt.Errorf("%s:%w", name, err)
	}
	if top == nil || top.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: a template must be a mapping", name)
	}
	t := &template{file: name, params: map[string]string{}, resources: map[string]*yaml.Node{}, types: map[string]string{}, kinds: map[string]string{}}
	if ps := mapGet(top, "Parameters"); ps != nil && ps.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(ps.Content); i += 2 {
			if d := mapGet(ps.Content[i+1], "Default"); d != nil && d.Kind == yaml.ScalarNode {
				t.params[ps.Content[i].Value] = d.Value
			}
		}
	}
	rs := mapGet(top, "Resources")
	if rs == nil || rs.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: the template has no Resources mapping", name)
	}
	for i := 0; i+1 < len(rs.Content); i += 2 {
		id, r := rs.Content[i].Value, rs.Content[i+1]
		typ := mapGet(r, "Type")
		if typ != nil {
			t.kinds[id] = typ.Value
		}
		if typ == nil || !strings.HasPrefix(typ.Value, "AWS::IAM::") {
			continue
		}
		t.types[id] = typ.Value
		t.resources[id] = mapGet(r, "Properties")
		t.order = append(t.order, id)
	}
	return t.inventory(), nil
}

func (t *template) inventory() *Inventory {
	inv := &Inventory{}
	type holder struct {
		kind     string
		name     string
		docs     []*policy.Document
		managed  []string // ARNs or logical IDs of managed policies
		boundary string
		groups   []string
	}
	holders := map[string]*holder{} // logical ID
	byName := map[string]string{}   // physical name → logical ID
	var standaloneDocs []*checks.Document
	var standaloneIDs []string          // logical IDs of policy resources, "" for orphan inline ones
	attachedTo := map[string][]string{} // policy logical ID → holder logical IDs
	policyDocs := map[string]*policy.Document{}

	doc := func(owner, pname string, n *yaml.Node) *checks.Document {
		d := t.document(owner, pname, n)
		inv.Documents = append(inv.Documents, d)
		return d
	}
	for _, id := range t.order {
		props, typ := t.resources[id], t.types[id]
		kind := map[string]string{"AWS::IAM::Role": "role", "AWS::IAM::User": "user", "AWS::IAM::Group": "group"}[typ]
		if kind == "" {
			continue
		}
		h := &holder{kind: kind, name: id}
		if n := mapGet(props, strings.TrimPrefix(typ, "AWS::IAM::")+"Name"); n != nil {
			h.name = t.str(n)
			byName[h.name] = id
		}
		if ps := mapGet(props, "Policies"); ps != nil {
			for _, p := range ps.Content {
				d := doc(id, t.str(mapGet(p, "PolicyName")), mapGet(p, "PolicyDocument"))
				if d.Doc != nil {
					h.docs = append(h.docs, d.Doc)
				}
			}
		}
		if ms := mapGet(props, "ManagedPolicyArns"); ms != nil {
			for _, m := range ms.Content {
				h.managed = append(h.managed, t.refOrValue(m))
			}
		}
		if b := mapGet(props, "PermissionsBoundary"); b != nil {
			h.boundary = t.refOrValue(b)
		}
		if gs := mapGet(props, "Groups"); gs != nil {
			for _, g := range gs.Content {
				h.groups = append(h.groups, t.refOrValue(g))
			}
		}
		holders[id] = h
	}
	resolve := func(ref string) (string, bool) {
		if _, ok := holders[ref]; ok {
			return ref, true
		}
		id, ok := byName[ref]
		return id, ok
	}
	for _, id := range t.order {
		props, typ := t.resources[id], t.types[id]
		switch typ {
		case "AWS::IAM::ManagedPolicy", "AWS::IAM::Policy":
			pname := id
			if n := mapGet(props, map[string]string{"AWS::IAM::ManagedPolicy": "ManagedPolicyName", "AWS::IAM::Policy": "PolicyName"}[typ]); n != nil {
				pname = t.str(n)
			}
			d := doc("", pname, mapGet(props, "PolicyDocument"))
			if d.Doc != nil {
				policyDocs[id] = d.Doc
			}
			for _, k := range []string{"Roles", "Users", "Groups"} {
				if ns := mapGet(props, k); ns != nil {
					for _, n := range ns.Content {
						attachedTo[id] = append(attachedTo[id], t.refOrValue(n))
					}
				}
			}
			standaloneDocs = append(standaloneDocs, d)
			standaloneIDs = append(standaloneIDs, id)
		case "AWS::IAM::RolePolicy", "AWS::IAM::UserPolicy", "AWS::IAM::GroupPolicy":
			owner := t.refOrValue(mapGet(props, strings.TrimSuffix(strings.TrimPrefix(typ, "AWS::IAM::"), "Policy")+"Name"))
			d := doc(owner, t.str(mapGet(props, "PolicyName")), mapGet(props, "PolicyDocument"))
			if hid, ok := resolve(owner); ok && d.Doc != nil {
				holders[hid].docs = append(holders[hid].docs, d.Doc)
			} else if !ok {
				standaloneDocs = append(standaloneDocs, d)
				standaloneIDs = append(standaloneIDs, "")
			}
		case "AWS::IAM::UserToGroupAddition":
			g := t.refOrValue(mapGet(props, "GroupName"))
			if us := mapGet(props, "Users"); us != nil {
				for _, u := range us.Content {
					if uid, ok := resolve(t.refOrValue(u)); ok {
						holders[uid].groups = append(holders[uid].groups, g)
					}
				}
			}
		}
	}
	for pid, targets := range attachedTo {
		for _, tg := range targets {
			if hid, ok := resolve(tg); ok && policyDocs[pid] != nil {
				holders[hid].docs = append(holders[hid].docs, policyDocs[pid])
			}
		}
	}
	managed := func(h *holder, ref string) []*policy.Document {
		if d, ok := policyDocs[ref]; ok {
			return []*policy.Document{d}
		}
		inv.Warnings = append(inv.Warnings, fmt.Sprintf("%s: managed policy %s of %s is not in the template: %s is analysed without it", t.file, ref, h.name, h.name))
		return nil
	}
	ids := make([]string, 0, len(holders))
	for id := range holders {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		h := holders[id]
		if h.kind == "group" {
			continue // groups act through their users
		}
		s := &checks.Subject{Principal: id, Name: h.name, Kind: h.kind, Identity: h.docs}
		for _, m := range h.managed {
			s.Identity = append(s.Identity, managed(h, m)...)
		}
		for _, g := range h.groups {
			if gid, ok := resolve(g); ok {
				gh := holders[gid]
				s.Identity = append(s.Identity, gh.docs...)
				for _, m := range gh.managed {
					s.Identity = append(s.Identity, managed(gh, m)...)
				}
			}
		}
		if h.boundary != "" {
			s.Boundary = managed(h, h.boundary)
		}
		inv.Subjects = append(inv.Subjects, s)
	}
	// A policy resource attached to nobody (no Roles/Users/Groups, no ManagedPolicyArns
	// reference) is analysed on its own.
	referenced := map[string]bool{}
	for pid, targets := range attachedTo {
		referenced[pid] = len(targets) > 0
	}
	for _, h := range holders {
		for _, m := range append(append([]string(nil), h.managed...), h.boundary) {
			referenced[m] = true
		}
	}
	for i, d := range standaloneDocs {
		if id := standaloneIDs[i]; id == "" || !referenced[id] {
			inv.Subjects = append(inv.Subjects, standalone(d))
		}
	}
	return inv
}

// document re-emits a policy document node as position-preserving JSON and parses it.
func (t *template) document(owner, pname string, n *yaml.Node) *checks.Document {
	name := pname
	if owner != "" {
		name = owner + ":" + pname
	}
	if n == nil {
		at := policy.Location{File: t.file, Line: 1, Column: 1}
		return &checks.Document{Name: name, Loc: at, Err: &policy.ParseError{Issues: []policy.Issue{{Loc: at, Msg: "PolicyDocument is missing"}}}}
	}
	e := &emitter{t: t, line: 1, col: 1}
	e.value(n)
	d := parseDocument(t.file, name, e.buf.Bytes())
	d.Identity = true
	// A block mapping's brace sits one column left of its first key, where the YAML has a
	// space (or the "- " of a list item): what is reported there is reported at the key.
	atKey := func(l *policy.Location) {
		if e.braces[[2]int{l.Line, l.Column}] {
			l.Column++
		}
	}
	atKey(&d.Loc)
	if d.Doc != nil {
		atKey(&d.Doc.Loc)
		for _, st := range d.Doc.Statements {
			atKey(&st.Loc)
		}
	}
	if d.Err != nil {
		for i := range d.Err.Issues {
			atKey(&d.Err.Issues[i].Loc)
		}
	}
	return d
}

// emitter writes JSON whose tokens sit at their YAML nodes' lines and columns (when the
// output has not already passed that point).
type emitter struct {
	t         *template
	buf       bytes.Buffer
	line, col int
	braces    map[[2]int]bool // where block mappings' braces were written (line, column)
}

func (e *emitter) moveTo(n *yaml.Node) {
	if n.Line > e.line {
		for ; e.line < n.Line; e.line++ {
			e.buf.WriteByte('\n')
		}
		e.col = 1
	}
	if n.Line == e.line {
		for ; e.col < n.Column; e.col++ {
			e.buf.WriteByte(' ')
		}
	}
}

func (e *emitter) write(s string) {
	e.buf.WriteString(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		e.line += strings.Count(s, "\n")
		e.col = 1 + len([]rune(s[i+1:]))
		return
	}
	e.col += len([]rune(s))
}

func (e *emitter) value(n *yaml.Node) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if v, ok := e.t.intrinsic(n); ok {
		e.moveTo(n)
		b, _ := json.Marshal(v)
		e.write(string(b))
		return
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) > 0 {
			e.value(n.Content[0])
		}
	case yaml.MappingNode:
		// A block mapping's position is its first key's: the brace goes just before it, so
		// the key keeps its column.
		at := *n
		block := n.Style&yaml.FlowStyle == 0 && at.Column > 1
		if block {
			at.Column--
		}
		e.moveTo(&at)
		if block && e.line == at.Line && e.col == at.Column {
			if e.braces == nil {
				e.braces = map[[2]int]bool{}
			}
			e.braces[[2]int{e.line, e.col}] = true
		}
		e.write("{")
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				e.write(",")
			}
			e.moveTo(n.Content[i])
			b, _ := json.Marshal(n.Content[i].Value)
			e.write(string(b) + ":")
			e.value(n.Content[i+1])
		}
		e.write("}")
	case yaml.SequenceNode:
		e.moveTo(n)
		e.write("[")
		for i, c := range n.Content {
			if i > 0 {
				e.write(",")
			}
			e.value(c)
		}
		e.write("]")
	default:
		e.moveTo(n)
		e.write(scalarJSON(n))
	}
}

// scalarJSON keeps numbers and booleans as such (the policy parser reports them where a
// string is required) and quotes everything else.
func scalarJSON(n *yaml.Node) string {
	switch n.Tag {
	case "!!int", "!!float":
		if _, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return n.Value
		}
	case "!!bool":
		if n.Value == "true" || n.Value == "false" {
			return n.Value
		}
	case "!!null":
		return "null"
	}
	b, _ := json.Marshal(n.Value)
	return string(b)
}

// intrinsic resolves an intrinsic function node (short "!Ref" form or "Ref:"/"Fn::*" map).
func (t *template) intrinsic(n *yaml.Node) (any, bool) {
	fn, arg := "", (*yaml.Node)(nil)
	switch {
	case strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!"):
		fn, arg = strings.TrimPrefix(n.Tag, "!"), n
		if fn != "Ref" && fn != "Condition" {
			fn = "Fn::" + fn
		}
		// The short form's argument is the node itself without its tag.
		c := *n
		c.Tag = ""
		arg = &c
	case n.Kind == yaml.MappingNode && len(n.Content) == 2 && (n.Content[0].Value == "Ref" || strings.HasPrefix(n.Content[0].Value, "Fn::")):
		fn, arg = n.Content[0].Value, n.Content[1]
	default:
		return nil, false
	}
	return t.call(fn, arg), true
}

func (t *template) eval(n *yaml.Node) any {
	if n == nil {
		return ""
	}
	if v, ok := t.intrinsic(n); ok {
		return v
	}
	switch n.Kind {
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			out[i] = t.eval(c)
		}
		return out
	case yaml.ScalarNode:
		return n.Value
	}
	return "unresolved"
}

func (t *template) call(fn string, arg *yaml.Node) any {
	switch fn {
	case "Ref":
		return t.ref(arg.Value)
	case "Fn::Sub":
		tmpl, vars := arg, (*yaml.Node)(nil)
		if arg.Kind == yaml.SequenceNode && len(arg.Content) > 0 {
			tmpl = arg.Content[0]
			if len(arg.Content) > 1 {
				vars = arg.Content[1]
			}
		}
		return t.sub(tmpl.Value, vars)
	case "Fn::Join":
		if arg.Kind == yaml.SequenceNode && len(arg.Content) == 2 {
			var parts []string
			for _, p := range flatten(t.eval(arg.Content[1])) {
				parts = append(parts, p)
			}
			return strings.Join(parts, arg.Content[0].Value)
		}
	case "Fn::Select":
		if arg.Kind == yaml.SequenceNode && len(arg.Content) == 2 {
			i, err := strconv.Atoi(fmt.Sprint(t.eval(arg.Content[0])))
			list := flatten(t.eval(arg.Content[1]))
			if err == nil && i >= 0 && i < len(list) {
				return list[i]
			}
		}
	case "Fn::Split":
		if arg.Kind == yaml.SequenceNode && len(arg.Content) == 2 {
			var out []any
			for _, s := range strings.Split(fmt.Sprint(t.eval(arg.Content[1])), arg.Content[0].Value) {
				out = append(out, s)
			}
			return out
		}
	case "Fn::If":
		if arg.Kind == yaml.SequenceNode && len(arg.Content) == 3 {
			return t.eval(arg.Content[1])
		}
	case "Fn::GetAtt":
		if arg.Kind == yaml.SequenceNode && len(arg.Content) == 2 {
			return t.getAtt(arg.Content[0].Value, arg.Content[1].Value)
		}
		res, attr, _ := strings.Cut(arg.Value, ".")
		return t.getAtt(res, attr)
	}
	return "unresolved-" + strings.TrimPrefix(fn, "Fn::")
}

// getAtt stands for a resource's attribute: an ARN attribute becomes an ARN of the resource's
// service naming that one resource (a DynamoDB table's Arn is a table ARN, never "*"), any
// other attribute a placeholder.
func (t *template) getAtt(res, attr string) string {
	if !strings.HasSuffix(attr, "Arn") {
		return "getatt-" + res + "-" + attr
	}
	service, kind := "cloudformation", "resource"
	if parts := strings.Split(t.kinds[res], "::"); len(parts) == 3 {
		service, kind = strings.ToLower(parts[1]), strings.ToLower(parts[2])
	}
	return "arn:" + pseudo["AWS::Partition"] + ":" + service + ":" + pseudo["AWS::Region"] + ":" + pseudo["AWS::AccountId"] + ":" + kind + "/" + res
}

func (t *template) ref(name string) string {
	if v, ok := pseudo[name]; ok {
		return v
	}
	if v, ok := t.params[name]; ok {
		return v
	}
	return "ref-" + name
}

// sub expands ${Name}, ${Resource.Attr} and ${!Literal} of a Fn::Sub template.
func (t *template) sub(s string, vars *yaml.Node) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+j]
		switch {
		case strings.HasPrefix(name, "!"):
			b.WriteString("${" + name[1:] + "}")
		case vars != nil && mapGet(vars, name) != nil:
			b.WriteString(fmt.Sprint(t.eval(mapGet(vars, name))))
		case strings.Contains(name, ".") && !strings.HasPrefix(name, "AWS::"):
			res, attr, _ := strings.Cut(name, ".")
			b.WriteString(t.getAtt(res, attr))
		default:
			b.WriteString(t.ref(name))
		}
		s = s[i+j+1:]
	}
}

func flatten(v any) []string {
	switch x := v.(type) {
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, flatten(e)...)
		}
		return out
	case string:
		return []string{x}
	}
	return []string{fmt.Sprint(v)}
}

// str is a node's string value, intrinsic functions resolved.
func (t *template) str(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	return strings.Join(flatten(t.eval(n)), ",")
}

// refOrValue names what a property points at: the logical ID of a Ref, else the value.
func (t *template) refOrValue(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	if n.Tag == "!Ref" {
		return n.Value
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "Ref" {
		return n.Content[1].Value
	}
	if n.Tag == "!GetAtt" || (n.Kind == yaml.MappingNode && len(n.Content) == 2 && n.Content[0].Value == "Fn::GetAtt") {
		arg := n
		if n.Kind == yaml.MappingNode {
			arg = n.Content[1]
		}
		if arg.Kind == yaml.SequenceNode && len(arg.Content) > 0 {
			return arg.Content[0].Value
		}
		id, _, _ := strings.Cut(arg.Value, ".")
		return id
	}
	return t.str(n)
}

func mapGet(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
