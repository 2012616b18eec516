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
// fixed example values, Ref to a parameter's Default (a list for CommaDelimitedList and
// List<...> parameters) or "ref-NAME", Fn::Sub by those rules, Fn::Join, Fn::Select and
// Fn::Split computed, Ref AWS::NoValue as the property or list item left out, and others to
// a placeholder without wildcards — a reference to one resource, never "*".
//
// Conditions: a template whose IAM resources use Fn::If or a resource Condition is analysed
// once per combination of those conditions (each taken as free: their definitions are not
// evaluated, so a combination they exclude may be analysed too), and each finding says
// which conditions enable it unless it holds in every combination. More than maxConditions
// conditions are analysed one at a time against all others false.

type template struct {
	file      string
	params    map[string]any        // string, or []any for list parameters
	assume    map[string]bool       // the truth of each condition in this combination
	resources map[string]*yaml.Node // logical ID → Properties
	types     map[string]string     // IAM resources' types
	kinds     map[string]string     // every resource's type, for Fn::GetAtt
	order     []string
	conds     map[string]string // IAM resources' Condition attribute
}

// maxConditions bounds the combinations analysed: 2^maxConditions.
const maxConditions = 4

// noValue is what Ref AWS::NoValue resolves to: the property or list item is left out.
type noValueT struct{}

var noValue any = noValueT{}

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
	t := &template{file: name, params: map[string]any{}, resources: map[string]*yaml.Node{}, types: map[string]string{}, kinds: map[string]string{}, conds: map[string]string{}}
	if ps := mapGet(top, "Parameters"); ps != nil && ps.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(ps.Content); i += 2 {
			d := mapGet(ps.Content[i+1], "Default")
			if d == nil || d.Kind != yaml.ScalarNode {
				continue
			}
			typ := ""
			if tn := mapGet(ps.Content[i+1], "Type"); tn != nil {
				typ = tn.Value
			}
			if typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<") {
				var list []any
				for _, v := range strings.Split(d.Value, ",") {
					list = append(list, strings.TrimSpace(v))
				}
				t.params[ps.Content[i].Value] = list
				continue
			}
			t.params[ps.Content[i].Value] = d.Value
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
		if c := mapGet(r, "Condition"); c != nil && c.Kind == yaml.ScalarNode {
			t.conds[id] = c.Value
		}
	}
	return t.variants(), nil
}

// variants analyses the template once per combination of the conditions its IAM resources
// use, each subject and document labelled with the combination.
func (t *template) variants() *Inventory {
	names := t.conditionNames()
	if len(names) == 0 {
		t.assume = map[string]bool{}
		return t.inventory()
	}
	var combos []map[string]bool
	if len(names) <= maxConditions {
		for bits := 0; bits < 1<<len(names); bits++ {
			a := map[string]bool{}
			for i, n := range names {
				a[n] = bits&(1<<i) != 0
			}
			combos = append(combos, a)
		}
	} else {
		combos = append(combos, map[string]bool{})
		for _, n := range names {
			combos = append(combos, map[string]bool{n: true})
		}
	}
	out := &Inventory{}
	for _, a := range combos {
		t.assume = a
		inv := t.inventory()
		when := describeCombo(names, a)
		for _, s := range inv.Subjects {
			s.When, s.Variants = when, len(combos)
		}
		for _, d := range inv.Documents {
			d.When, d.Variants = when, len(combos)
		}
		out.Merge(inv)
	}
	return out
}

func describeCombo(names []string, a map[string]bool) string {
	parts := make([]string, len(names))
	for i, n := range names {
		if a[n] {
			parts[i] = n
		} else {
			parts[i] = "not " + n
		}
	}
	return strings.Join(parts, " and ")
}

// conditionNames lists, sorted, the conditions that IAM resources use: their Condition
// attribute and the Fn::If functions in their properties.
func (t *template) conditionNames() []string {
	seen := map[string]bool{}
	for _, c := range t.conds {
		seen[c] = true
	}
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > 64 {
			return
		}
		if fn, arg, ok := intrinsicParts(n); ok && fn == "Fn::If" && arg.Kind == yaml.SequenceNode && len(arg.Content) == 3 {
			seen[arg.Content[0].Value] = true
		}
		for _, c := range n.Content {
			walk(c, depth+1)
		}
	}
	for _, id := range t.order {
		walk(t.resources[id], 0)
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		if n != "" {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func (t *template) inventory() *Inventory {
	inv := &Inventory{}
	type holder struct {
		kind     string
		name     string
		docs     []*policy.Document
		managed  []managedRef // ARNs or logical IDs of managed policies
		boundary managedRef
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
	var order []string
	for _, id := range t.order {
		if c, ok := t.conds[id]; !ok || t.assume[c] {
			order = append(order, id)
		}
	}
	for _, id := range order {
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
			for _, p := range t.items(ps) {
				d := doc(id, t.str(mapGet(p, "PolicyName")), mapGet(p, "PolicyDocument"))
				if d.Doc != nil {
					h.docs = append(h.docs, d.Doc)
				}
			}
		}
		if ms := mapGet(props, "ManagedPolicyArns"); ms != nil {
			for _, m := range t.items(ms) {
				for _, ref := range t.refsOrValues(m) {
					h.managed = append(h.managed, managedRef{ref, t.loc(m)})
				}
			}
		}
		if b := mapGet(props, "PermissionsBoundary"); b != nil && !t.isNoValue(b) {
			h.boundary = managedRef{t.refOrValue(b), t.loc(b)}
		}
		if gs := mapGet(props, "Groups"); gs != nil {
			for _, g := range t.items(gs) {
				h.groups = append(h.groups, t.refsOrValues(g)...)
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
	for _, id := range order {
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
					for _, n := range t.items(ns) {
						attachedTo[id] = append(attachedTo[id], t.refsOrValues(n)...)
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
				for _, u := range t.items(us) {
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
	managed := func(s *checks.Subject, ref managedRef, boundary bool) []*policy.Document {
		if d, ok := policyDocs[ref.ref]; ok {
			return []*policy.Document{d}
		}
		s.Missing = append(s.Missing, checks.MissingPolicy{ARN: ref.ref, Boundary: boundary, Loc: ref.loc})
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
			s.Identity = append(s.Identity, managed(s, m, false)...)
		}
		for _, g := range h.groups {
			if gid, ok := resolve(g); ok {
				gh := holders[gid]
				s.Identity = append(s.Identity, gh.docs...)
				for _, m := range gh.managed {
					s.Identity = append(s.Identity, managed(s, m, false)...)
				}
			}
		}
		if h.boundary.ref != "" {
			s.Boundary = managed(s, h.boundary, true)
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
		for _, m := range append(append([]managedRef(nil), h.managed...), h.boundary) {
			referenced[m.ref] = true
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
	// Fn::If becomes the branch taken, emitted at its own place: a statement or a
	// condition block inside a branch keeps its positions.
	n = e.t.resolveIf(n)
	if v, ok := e.t.intrinsic(n); ok {
		if v == noValue {
			v = nil // only where nothing can be left out: the document itself
		}
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
		first := true
		for i := 0; i+1 < len(n.Content); i += 2 {
			if e.t.isNoValue(n.Content[i+1]) {
				continue
			}
			if !first {
				e.write(",")
			}
			first = false
			e.moveTo(n.Content[i])
			b, _ := json.Marshal(n.Content[i].Value)
			e.write(string(b) + ":")
			e.value(n.Content[i+1])
		}
		e.write("}")
	case yaml.SequenceNode:
		e.moveTo(n)
		e.write("[")
		first := true
		for _, c := range n.Content {
			if e.t.isNoValue(c) {
				continue
			}
			if !first {
				e.write(",")
			}
			first = false
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
	fn, arg, ok := intrinsicParts(n)
	if !ok {
		return nil, false
	}
	return t.call(fn, arg), true
}

// intrinsicParts splits an intrinsic function node into its name and argument.
func intrinsicParts(n *yaml.Node) (string, *yaml.Node, bool) {
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
		return "", nil, false
	}
	return fn, arg, true
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
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			if v := t.eval(c); v != noValue {
				out = append(out, v)
			}
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
		if b := t.branch(arg); b != nil {
			return t.eval(b)
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

func (t *template) ref(name string) any {
	if name == "AWS::NoValue" {
		return noValue
	}
	if v, ok := pseudo[name]; ok {
		return v
	}
	if v, ok := t.params[name]; ok {
		return v
	}
	return "ref-" + name
}

// branch is the Fn::If branch the current combination of conditions takes.
func (t *template) branch(arg *yaml.Node) *yaml.Node {
	if arg == nil || arg.Kind != yaml.SequenceNode || len(arg.Content) != 3 {
		return nil
	}
	if t.assume[arg.Content[0].Value] {
		return arg.Content[1]
	}
	return arg.Content[2]
}

// resolveIf follows Fn::If to the node the current combination takes.
func (t *template) resolveIf(n *yaml.Node) *yaml.Node {
	for depth := 0; n != nil && depth < 64; depth++ {
		for n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		fn, arg, ok := intrinsicParts(n)
		if !ok || fn != "Fn::If" {
			return n
		}
		b := t.branch(arg)
		if b == nil {
			return n
		}
		n = b
	}
	return n
}

// isNoValue reports whether the node, Fn::If followed, is Ref AWS::NoValue.
func (t *template) isNoValue(n *yaml.Node) bool {
	n = t.resolveIf(n)
	if n == nil {
		return false
	}
	fn, arg, ok := intrinsicParts(n)
	return ok && fn == "Ref" && arg.Value == "AWS::NoValue"
}

// items are a list node's elements, Fn::If followed and AWS::NoValue left out; a node that
// is not a list is one item.
func (t *template) items(n *yaml.Node) []*yaml.Node {
	n = t.resolveIf(n)
	if n == nil || t.isNoValue(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		return []*yaml.Node{n}
	}
	var out []*yaml.Node
	for _, c := range n.Content {
		if c = t.resolveIf(c); c != nil && !t.isNoValue(c) {
			out = append(out, c)
		}
	}
	return out
}

// refsOrValues is refOrValue, with a list parameter's values each one.
func (t *template) refsOrValues(n *yaml.Node) []string {
	if fn, arg, ok := intrinsicParts(n); ok && fn == "Ref" {
		if list, ok := t.params[arg.Value].([]any); ok {
			return flatten(list)
		}
	}
	return []string{t.refOrValue(n)}
}

func (t *template) loc(n *yaml.Node) policy.Location {
	return policy.Location{File: t.file, Line: n.Line, Column: n.Column}
}

// managedRef is a managed policy named by a holder, where it is named.
type managedRef struct {
	ref string
	loc policy.Location
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
			b.WriteString(strings.Join(flatten(t.ref(name)), ","))
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
	case noValueT:
		return nil
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
	if n = t.resolveIf(n); n == nil {
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
