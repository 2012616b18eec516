package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ec2guard/ec2guard/internal/yamldoc"
	"github.com/ec2guard/ec2guard/pattern"
)

type loader struct {
	file      string
	opts      Options
	errs      Errors
	patternAt map[*Rule]Location
	owning    // owners.go
}

func (l *loader) at(n *yaml.Node) Location {
	return Location{File: l.file, Line: n.Line, Column: n.Column}
}

// sorted returns the errors in file order (a rule's parts are checked in an order of their
// own, not the file's).
func (l *loader) sorted() Errors {
	slices.SortStableFunc(l.errs, func(a, b *Error) int {
		if a.Loc.Line != b.Loc.Line {
			return a.Loc.Line - b.Loc.Line
		}
		return a.Loc.Column - b.Loc.Column
	})
	return l.errs
}

func (l *loader) errorf(n *yaml.Node, format string, args ...any) {
	l.errs = append(l.errs, &Error{Loc: l.at(n), Msg: fmt.Sprintf(format, args...)})
}

// Load reads a rule file (YAML, or JSON, which is YAML too). It reports every problem it
// finds as Errors, each with file:line:col.
func Load(file string, src []byte, opts Options) (*Set, error) {
	l := &loader{file: file, opts: opts, patternAt: map[*Rule]Location{}}
	top, err := parseYAML(file, src)
	if err != nil {
		return nil, err
	}
	if top == nil {
		return nil, Errors{{Loc: Location{File: file, Line: 1, Column: 1}, Msg: "the rule file is empty: it needs a top-level rules: list"}}
	}
	root := resolve(top)
	l.expandVars(root)
	set := &Set{}
	if root.Kind != yaml.MappingNode {
		l.errorf(root, "the rule file must be a mapping with a top-level rules: list")
		return nil, l.sorted()
	}
	var rulesNode *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], resolve(root.Content[i+1])
		switch k.Value {
		case "rules":
			rulesNode = v
		default:
			if !l.tableKey(k, v) {
				l.errorf(k, "unknown top-level key %q (the file holds rules:, and calendars:, schedules:, owners:)", k.Value)
			}
		}
	}
	l.readTables(set)
	switch {
	case rulesNode == nil:
		l.errorf(root, "missing the top-level rules: list")
	case rulesNode.Kind != yaml.SequenceNode:
		l.errorf(rulesNode, "rules: must be a list of rules")
	case len(rulesNode.Content) == 0:
		l.errorf(rulesNode, "rules: is empty")
	default:
		names := map[string]Location{}
		for _, n := range rulesNode.Content {
			for _, r := range l.entry(resolve(n)) { // a rule, or a control's rules (control.go)
				if first, dup := names[r.Name]; dup {
					l.errs = append(l.errs, &Error{Loc: r.Loc, Msg: fmt.Sprintf("duplicate rule name %q (first at %s)", r.Name, first)})
					continue
				}
				names[r.Name] = r.Loc
				set.Rules = append(set.Rules, r)
			}
		}
	}
	l.recipients(set) // owners.go
	if len(l.errs) > 0 {
		return nil, l.sorted()
	}
	ps := make([]*pattern.Pattern, len(set.Rules))
	for i, r := range set.Rules {
		ps[i] = r.Parsed // no errors: every pattern parsed
	}
	m, err := pattern.Compile(ps)
	if err != nil {
		return nil, fmt.Errorf("compiling patterns: %w", err)
	}
	set.Matcher = m
	l.loops(set)
	if l.opts.Reach {
		l.reach(set)
	}
	if len(l.errs) > 0 {
		return nil, l.sorted()
	}
	return set, nil
}

// parseYAML parses a file of rules or filters, a syntax error as Errors at its position.
func parseYAML(file string, src []byte) (*yaml.Node, error) {
	top, err := yamldoc.Parse(src, yamldoc.Default)
	if err != nil {
		var ye *yamldoc.Error
		if !errors.As(err, &ye) {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		return nil, Errors{{Loc: Location{File: file, Line: ye.Line, Column: ye.Column}, Msg: "not valid YAML or JSON: " + ye.Msg}}
	}
	return top, nil
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

var varRef = regexp.MustCompile(`\$\{var:([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandVars fills ${var:NAME} in every string scalar, once, before anything reads them.
func (l *loader) expandVars(n *yaml.Node) {
	seen := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" && strings.Contains(n.Value, "${var:") {
			n.Value = varRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
				name := varRef.FindStringSubmatch(ref)[1]
				v, ok := l.opts.Vars[name]
				if !ok {
					l.errorf(n, "variable %q is not set (pass --var %s=VALUE or set EC2GUARD_VAR_%s)", name, name, name)
					return ref
				}
				return v
			})
		}
		for _, c := range n.Content {
			walk(c)
		}
		walk(n.Alias)
	}
	walk(n)
}

var ruleKeys = []string{"name", "description", "pattern", "resources", "filters", "actions", "mode", "confirm-destroy", "grace", "min-age", "exceptions", "schedule"}

func (l *loader) rule(n *yaml.Node) *Rule {
	if n.Kind != yaml.MappingNode {
		l.errorf(n, "a rule must be a mapping with name, pattern, actions (and optionally description, resources, filters, mode)")
		return nil
	}
	r := &Rule{Mode: DryRun, Loc: l.at(n)}
	before := len(l.errs)
	var patternNode, actionsNode, filtersNode, resourcesNode, confirmNode *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch k.Value {
		case "name":
			r.Name = l.str(v, "name")
		case "description":
			r.Description = l.str(v, "description")
		case "pattern":
			patternNode = v
		case "filters":
			filtersNode = v
		case "resources":
			resourcesNode = v
		case "actions":
			actionsNode = v
		case "mode":
			l.mode(v, &r.Mode)
		case confirmKey:
			l.confirmDestroy(k, v, &confirmNode, &r.ConfirmDestroy)
		default:
			if !l.timingKey(r, k, v) {
				l.errorf(k, "unknown rule key %q (known: %s)", k.Value, strings.Join(ruleKeys, ", "))
			}
		}
	}
	if r.Name == "" {
		l.errorf(n, "the rule has no name")
	}
	if patternNode == nil {
		l.errorf(n, "rule %q has no pattern", r.Name)
	} else {
		r.Pattern, r.Parsed = l.pattern(patternNode)
		l.patternAt[r] = l.at(patternNode)
	}
	switch {
	case resourcesNode != nil:
		r.Resources = l.resources(resourcesNode)
	case r.Parsed != nil:
		r.Resources = DefaultKinds(r.Parsed)
	}
	l.checkTimingTags(r, n)
	if filtersNode != nil {
		// after resources: filters are compiled for the kinds the rule judges
		r.Filters = l.filters(filtersNode, r.Resources)
	}
	if actionsNode == nil {
		l.errorf(n, "rule %q has no actions", r.Name)
	} else {
		r.Actions = l.actions(actionsNode)
		l.checkDestroy(r.Actions, r.ConfirmDestroy, confirmNode)
	}
	if len(l.errs) > before {
		return nil
	}
	return r
}

func (l *loader) str(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		l.errorf(n, "%s must be a string", what)
		return ""
	}
	return n.Value
}

// strList accepts a string or a list of strings.
func (l *loader) strList(n *yaml.Node, what string) []string {
	if n.Kind == yaml.ScalarNode {
		return []string{l.str(n, what)}
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		l.errorf(n, "%s must be a string or a non-empty list of strings", what)
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		out = append(out, l.str(resolve(c), what))
	}
	return out
}

// pattern converts the pattern node to JSON and parses it, pointing errors at the node.
func (l *loader) pattern(n *yaml.Node) ([]byte, *pattern.Pattern) {
	v, err := l.value(n)
	if err != nil {
		return nil, nil
	}
	src, err := json.Marshal(v)
	if err != nil {
		l.errorf(n, "pattern: %v", err)
		return nil, nil
	}
	p, err := pattern.Parse(src)
	if err != nil {
		var pe *pattern.Error
		if errors.As(err, &pe) {
			l.errorf(nodeAt(n, pe.Path), "pattern: %v", pe)
		} else {
			l.errorf(n, "pattern: %v", err)
		}
		return nil, nil
	}
	return src, p
}

// nodeAt follows a pattern error's key path down the YAML tree, as far as it goes.
func nodeAt(n *yaml.Node, path []string) *yaml.Node {
	for _, key := range path {
		n = resolve(n)
		switch n.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					next = n.Content[i+1] // the last duplicate wins, as in the pattern
				}
			}
			if next == nil {
				return n
			}
			n = next
		case yaml.SequenceNode:
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(n.Content) {
				return n
			}
			n = n.Content[i]
		default:
			return n
		}
	}
	return resolve(n)
}

// value converts a YAML node to the JSON data model (numbers as json.Number).
func (l *loader) value(n *yaml.Node) (any, error) {
	n = resolve(n)
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				l.errorf(k, "keys must be strings")
				return nil, errInvalid
			}
			v, err := l.value(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := l.value(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				l.errorf(n, "%v", err)
				return nil, errInvalid
			}
			return b, nil
		case "!!int", "!!float":
			var f float64
			if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				l.errorf(n, "%q is not a finite number", n.Value)
				return nil, errInvalid
			}
			if n.ShortTag() == "!!int" {
				var i int64
				if n.Decode(&i) == nil {
					return json.Number(strconv.FormatInt(i, 10)), nil
				}
			}
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
		default:
			return n.Value, nil
		}
	}
	l.errorf(n, "unsupported YAML value")
	return nil, errInvalid
}

var errInvalid = errors.New("invalid")

func (l *loader) actions(n *yaml.Node) []ActionSpec {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		l.errorf(n, "actions must be a non-empty list (for example: - start)")
		return nil
	}
	var out []ActionSpec
	for _, item := range n.Content {
		item = resolve(item)
		spec := ActionSpec{Loc: l.at(item), Params: map[string]any{}}
		switch {
		case item.Kind == yaml.ScalarNode && item.ShortTag() == "!!str":
			spec.Name = item.Value
		case item.Kind == yaml.MappingNode && len(item.Content) == 2:
			spec.Name = item.Content[0].Value
			params := resolve(item.Content[1])
			if params.ShortTag() != "!!null" {
				if params.Kind != yaml.MappingNode {
					l.errorf(params, "the parameters of action %q must be a mapping", spec.Name)
					continue
				}
				v, err := l.value(params)
				if err != nil {
					continue
				}
				spec.Params = v.(map[string]any)
			}
		default:
			l.errorf(item, "an action is a name (- start) or a name with parameters (- notify: {topic: ARN})")
			continue
		}
		parse := l.opts.ParseAction
		if parse == nil && l.opts.CheckAction != nil {
			parse = func(name string, params map[string]any) (any, error) { return nil, l.opts.CheckAction(name, params) }
		}
		if parse != nil {
			cfg, err := parse(spec.Name, spec.Params)
			spec.Config = cfg
			if err != nil {
				at := item
				var pe interface{ ParamName() string }
				if errors.As(err, &pe) && item.Kind == yaml.MappingNode {
					at = nodeAt(item.Content[1], []string{pe.ParamName()})
				}
				l.errorf(at, "action %q: %v", spec.Name, err)
				continue
			}
		}
		out = append(out, spec)
	}
	return out
}

// VarNames returns the names of the variables (${var:NAME}) a rule file's source refers to, in
// order of first use.
func VarNames(src []byte) []string {
	var out []string
	for _, m := range varRef.FindAllSubmatch(src, -1) {
		if name := string(m[1]); !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}
