package rules

import (
	"errors"
	"maps"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/ec2guard/ec2guard/pattern"
	"github.com/ec2guard/ec2guard/resource"
)

// A rule file's entry `- control: EC2.13` stands for the rules of a control of the EC2
// catalogue (package controls, which Options.Controls brings: rules does not import it):
// one rule per way the control fails, its pattern on the control's events, its kind, its
// filters, with the entry's actions, mode, parameters and exceptions:
//
//	- control: EC2.4
//	  parameters: {allowed-days: 60}
//	  actions: [terminate]
//	  exceptions: [{tag: keep, reason: "kept on purpose"}]

// ControlRule is one of the rules a control stands for.
type ControlRule struct {
	Suffix      string // added to the entry's name ("" for a control's only rule)
	Description string
	Pattern     []byte // EventBridge, as JSON
	Kind        resource.Kind
	Filters     []Filter // compiled (ParseFilters) for Kind
	// ActionParams are parameters the control gives an action of the entry (by the action's
	// name) where the entry does not: what the action is to fix of what this control judges
	// (block-public-access under EC2.182: for: [snapshots]).
	ActionParams map[string]map[string]any
}

var controlKeys = []string{"control", "name", "description", "parameters", "actions", "mode", "confirm-destroy", "grace", "min-age", "exceptions", "schedule"}

// isControl reports a rule-file entry that names a control.
func isControl(n *yaml.Node) bool {
	if n.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "control" {
			return true
		}
	}
	return false
}

// entry reads one item of rules: a rule, or a control's rules.
func (l *loader) entry(n *yaml.Node) []*Rule {
	if !isControl(n) {
		if r := l.rule(n); r != nil {
			return []*Rule{r}
		}
		return nil
	}
	return l.controlRules(n)
}

func (l *loader) controlRules(n *yaml.Node) []*Rule {
	before := len(l.errs)
	tmpl := &Rule{Mode: DryRun, Loc: l.at(n)}
	var idNode, paramsNode, actionsNode, confirmNode *yaml.Node
	name := ""
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolve(n.Content[i+1])
		switch k.Value {
		case "control":
			idNode = v
		case "name":
			name = l.str(v, "name")
		case "description":
			tmpl.Description = l.str(v, "description")
		case "parameters":
			paramsNode = v
		case "actions":
			actionsNode = v
		case "mode":
			l.mode(v, &tmpl.Mode)
		case confirmKey:
			l.confirmDestroy(k, v, &confirmNode, &tmpl.ConfirmDestroy)
		default:
			if !l.timingKey(tmpl, k, v) {
				l.errorf(k, "unknown key %q of a control entry (known: %s)", k.Value, strings.Join(controlKeys, ", "))
			}
		}
	}
	id := l.str(idNode, "control")
	params := map[string]any{}
	if paramsNode != nil {
		if paramsNode.Kind != yaml.MappingNode {
			l.errorf(paramsNode, "parameters must be a mapping of the control's parameters ({allowed-days: 60})")
		} else if v, err := l.value(paramsNode); err == nil {
			params = v.(map[string]any)
		}
	}
	if actionsNode != nil {
		tmpl.Actions = l.actions(actionsNode)
	}
	l.checkDestroy(tmpl.Actions, tmpl.ConfirmDestroy, confirmNode)
	if id == "" || len(l.errs) > before {
		return nil
	}
	if l.opts.Controls == nil {
		l.errorf(idNode, "control entries need the control catalogue, which this loader was not given")
		return nil
	}
	crs, err := l.opts.Controls(id, params)
	if err != nil {
		at := idNode
		var pe interface{ ParamName() string }
		if errors.As(err, &pe) && paramsNode != nil {
			at = keyNode(paramsNode, pe.ParamName())
		}
		l.errorf(at, "%v", err)
		return nil
	}
	if name == "" {
		name = id
	}
	var out []*Rule
	for _, cr := range crs {
		r := *tmpl
		r.Name = name + cr.Suffix
		if r.Description == "" {
			r.Description = cr.Description
		}
		r.Pattern, r.Resources, r.Filters = cr.Pattern, []resource.Kind{cr.Kind}, cr.Filters
		r.Control = &ControlEntry{ID: id, Params: params}
		if l.checkTimingTags(&r, idNode); len(l.errs) > before {
			return nil
		}
		if r.Actions = l.controlActions(tmpl.Actions, cr.ActionParams, id, idNode); r.Actions == nil && tmpl.Actions != nil {
			return nil
		}
		p, err := pattern.Parse(cr.Pattern)
		if err != nil {
			l.errorf(idNode, "control %s: its pattern: %v", id, err)
			return nil
		}
		r.Parsed = p
		l.patternAt[&r] = l.at(idNode)
		out = append(out, &r)
	}
	return out
}

// controlActions are the entry's actions with the parameters the control gives them where
// the entry gives none, parsed again (nil after an error, at the control's id).
func (l *loader) controlActions(specs []ActionSpec, given map[string]map[string]any, id string, at *yaml.Node) []ActionSpec {
	if len(given) == 0 {
		return specs
	}
	out := make([]ActionSpec, len(specs))
	for i, spec := range specs {
		out[i] = spec
		add := given[spec.Name]
		if len(add) == 0 {
			continue
		}
		params := maps.Clone(spec.Params)
		if params == nil {
			params = map[string]any{}
		}
		changed := false
		for k, v := range add {
			if _, ok := params[k]; !ok {
				params[k], changed = v, true
			}
		}
		if !changed || l.opts.ParseAction == nil && l.opts.CheckAction == nil {
			out[i].Params = params
			continue
		}
		var cfg any
		var err error
		if l.opts.ParseAction != nil {
			cfg, err = l.opts.ParseAction(spec.Name, params)
		} else {
			err = l.opts.CheckAction(spec.Name, params)
		}
		if err != nil {
			l.errorf(at, "action %q with the parameters control %s gives it: %v", spec.Name, id, err)
			return nil
		}
		out[i].Params, out[i].Config = params, cfg
	}
	return out
}

// keyNode is the key of a mapping's entry (for an error about it), or the mapping.
func keyNode(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i]
		}
	}
	return m
}

// mode reads a rule's mode: enforce or dry-run.
func (l *loader) mode(v *yaml.Node, into *Mode) {
	switch m := Mode(l.str(v, "mode")); m {
	case Enforce, DryRun:
		*into = m
	default:
		l.errorf(v, "mode must be enforce or dry-run, not %q", m)
	}
}
