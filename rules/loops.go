package rules

import (
	"fmt"
	"slices"
	"strings"
)

// stateEvent is the EC2 state-change event an action causes, as AWS would send it. The loop
// check runs it through the rules' own matcher, so it sees exactly what the patterns select.
func stateEvent(state string) []byte {
	return []byte(`{"version":"0","id":"ec2guard-loop-check","detail-type":"EC2 Instance State-change Notification",` +
		`"source":"aws.ec2","account":"000000000000","time":"1970-01-01T00:00:00Z","region":"us-east-1","resources":[],` +
		`"detail":{"instance-id":"i-00000000000000000","state":"` + state + `"}}`)
}

// edge: rule from's action drives an instance to state, which rule to selects and acts on.
type edge struct {
	from, to int
	action   string
	state    string
}

// actsIn reports whether some action of r changes an instance in state.
func (l *loader) actsIn(r *Rule, state string) bool {
	for _, act := range r.Actions {
		if from, _ := l.opts.Transitions(act.Name, act.Params); slices.Contains(from, state) {
			return true
		}
	}
	return false
}

// loops reports rule cycles whose actions trigger each other on the same instances: each
// edge is an action's resulting state that another rule's pattern selects and acts on, kept
// only when the two rules' filters can hold for one instance in that state. The state-change
// event is synthetic (account 000000000000, us-east-1): patterns that pin accounts, regions
// or instance ids are judged on it as they are, so such loops may go unreported.
func (l *loader) loops(set *Set) {
	if l.opts.Transitions == nil {
		return
	}
	var edges []edge
	for a, ra := range set.Rules {
		for _, act := range ra.Actions {
			_, to := l.opts.Transitions(act.Name, act.Params)
			for _, state := range to {
				hits, err := set.Matcher.Match(stateEvent(state), nil)
				if err != nil {
					continue
				}
				for _, b := range hits {
					if rb := set.Rules[b]; l.actsIn(rb, state) && filtersOverlap(ra.Filters, rb.Filters, state) {
						edges = append(edges, edge{from: a, to: b, action: act.Name, state: state})
					}
				}
			}
		}
	}
	for _, cycle := range cycles(len(set.Rules), edges) {
		first := set.Rules[cycle[0].from]
		var steps []string
		for _, e := range cycle {
			steps = append(steps, fmt.Sprintf("%q's %s drives an instance to %s, which %q (%s) selects",
				set.Rules[e.from].Name, e.action, e.state, set.Rules[e.to].Name, set.Rules[e.to].Loc))
		}
		l.errs = append(l.errs, &Error{Loc: first.Loc, Msg: "remediation loop: " + strings.Join(steps, "; ") +
			". Their filters can hold for the same instance: make them exclusive (for example a tag one rule requires and the other requires absent)"})
	}
}

// cycles returns one cycle per strongly connected group of rules (self-loops included),
// each as the list of edges around it, starting from its lowest rule.
func cycles(n int, edges []edge) [][]edge {
	out := map[int][]edge{}
	for _, e := range edges {
		out[e.from] = append(out[e.from], e)
	}
	var found [][]edge
	reported := make([]bool, n)
	for start := 0; start < n; start++ {
		if reported[start] {
			continue
		}
		// Depth-first search for a path back to start.
		var path []edge
		onPath := make([]bool, n)
		var dfs func(v int) bool
		dfs = func(v int) bool {
			onPath[v] = true
			for _, e := range out[v] {
				if e.to == start {
					path = append(path, e)
					return true
				}
				if e.to > start && !onPath[e.to] {
					path = append(path, e)
					if dfs(e.to) {
						return true
					}
					path = path[:len(path)-1]
				}
			}
			return false
		}
		if dfs(start) {
			for _, e := range path {
				reported[e.from] = true
			}
			found = append(found, slices.Clone(path))
		}
	}
	return found
}

// filtersOverlap reports whether one instance, in the given state, can satisfy both filter
// lists. It is conservative: only constraints that provably exclude each other say no.
func filtersOverlap(a, b []Filter, state string) bool {
	type tagCons struct {
		present, absent bool
		allowed         []string // nil: any value
	}
	tags := map[string]*tagCons{}
	var ids, kinds []string
	idSet, kindSet := false, false
	for i, f := range slices.Concat(a, b) {
		switch f.Kind {
		case FilterState:
			// The receiving rule reads the state the action left; the acting rule's own state
			// filter held before it acted, so only b's applies.
			if i >= len(a) && !slices.Contains(f.Values, state) {
				return false
			}
		case FilterID:
			ids, idSet = intersect(ids, f.Values, idSet), true
		case FilterKindK:
			kinds, kindSet = intersect(kinds, f.Values, kindSet), true
		case FilterTag:
			c := tags[f.Tag]
			if c == nil {
				c = &tagCons{}
				tags[f.Tag] = c
			}
			switch f.Op {
			case TagAbsent:
				c.absent = true
			case TagPresent, TagGlob:
				c.present = true
			case TagEquals, TagOneOf:
				c.present = true
				if c.allowed == nil {
					c.allowed = slices.Clone(f.Values)
				} else {
					c.allowed = intersect(c.allowed, f.Values, true)
				}
			}
		}
	}
	if idSet && len(ids) == 0 || kindSet && len(kinds) == 0 {
		return false
	}
	for _, c := range tags {
		if c.present && c.absent || c.allowed != nil && len(c.allowed) == 0 {
			return false
		}
	}
	return true
}

func intersect(have, vals []string, haveSet bool) []string {
	if !haveSet {
		return slices.Clone(vals)
	}
	var out []string
	for _, v := range have {
		if slices.Contains(vals, v) {
			out = append(out, v)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}
