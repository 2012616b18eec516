package rules

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/ec2guard/ec2guard/pattern"
	"github.com/ec2guard/ec2guard/resource"
)

// The loop check. An action that changes an instance's state causes EC2 state-change events
// about that instance, which another rule (or the same) may select and act on, changing the
// state again. Those events are not arbitrary: they carry the instance's own region, account,
// instance id and ARN — the very fields of the event the acting rule selected when it acted
// on the instance. So the check runs the rules' own matcher on the events of concrete
// instances, built from the values the patterns and id filters name in those fields (and
// others that none names), and keeps a rule-to-rule edge only when both rules' filters can
// hold on that one instance. A cycle of edges on one instance is a loop.

// instance is an instance a loop could run on: what its state-change events carry.
type instance struct{ region, account, id string }

func (in instance) partition() string {
	switch {
	case strings.HasPrefix(in.region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(in.region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// event is the state-change event an action on the instance causes, as AWS sends it. Its id
// and time are its own, not the instance's: the loop check's matcher does not read them.
func (in instance) event(state string) []byte {
	arn := "arn:" + in.partition() + ":ec2:" + in.region + ":" + in.account + ":instance/" + in.id
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	return []byte(`{"version":"0","id":"ec2guard-loop-check","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":` +
		q(in.account) + `,"time":"2026-01-01T00:00:00Z","region":` + q(in.region) + `,"resources":[` + q(arn) + `],"detail":{"instance-id":` +
		q(in.id) + `,"state":` + q(state) + `}}`)
}

// Values no pattern is likely to name, so that patterns that exclude some (anything-but) or
// say nothing still meet on one.
var (
	otherRegions  = []string{"us-east-1", "eu-west-1"}
	otherAccounts = []string{"123456789012", "210987654321"}
	otherIDs      = []string{"i-0123456789abcdef0", "i-0fedcba9876543210"}
)

// maxPerField bounds the instances tried (its cube, times the states). When the rules name
// more values than that in one field, those named by the most rules are tried — a loop needs
// its rules to meet on one value. The last place of each field is kept for a value that no
// rule names.
const maxPerField = 8

// candidates counts, for one field, how many rules name each value.
type candidates struct {
	order []string
	rules map[string]map[int]bool
}

func (c *candidates) add(rule int, v string) {
	if v == "" || strings.Contains(v, "*") {
		return
	}
	if c.rules == nil {
		c.rules = map[string]map[int]bool{}
	}
	if c.rules[v] == nil {
		c.rules[v] = map[int]bool{}
		c.order = append(c.order, v)
	}
	c.rules[v][rule] = true
}

// top returns the values named by the most rules (first named first), up to limit-1, and
// the first of others that none names.
func (c *candidates) top(limit int, others []string) []string {
	out := slices.Clone(c.order)
	slices.SortStableFunc(out, func(a, b string) int { return len(c.rules[b]) - len(c.rules[a]) })
	out = out[:min(len(out), limit-1)]
	for _, o := range others {
		if !slices.Contains(out, o) {
			return append(out, o)
		}
	}
	return out
}

// instances returns the instances to try: combinations of the values the rules name in the
// fields a state-change event shares with its instance — those of the whole file, and those of
// each rule on its own (so that rules which meet on values the file's most named leave out
// are still tried).
func instances(set *Set) []instance {
	var all fields
	var out []instance
	seen := map[instance]bool{}
	for ri, r := range set.Rules {
		var own fields
		own.collect(ri, r)
		all.collect(ri, r)
		out = own.instances(3, out, seen)
	}
	return all.instances(maxPerField, out, seen)
}

// fields are the values rules name in the fields the loop check varies.
type fields struct{ regions, accounts, ids candidates }

func (fs *fields) collect(ri int, r *Rule) {
	patternStrings(decodePattern(r.Pattern), "", func(field, v string) {
		switch field {
		case "region":
			fs.regions.add(ri, v)
		case "account":
			fs.accounts.add(ri, v)
		case "instance-id":
			fs.ids.add(ri, v)
		case "resources":
			if parts := strings.SplitN(v, ":", 6); len(parts) == 6 && parts[0] == "arn" {
				fs.regions.add(ri, parts[3])
				fs.accounts.add(ri, parts[4])
				fs.ids.add(ri, strings.TrimPrefix(parts[5], "instance/"))
			} else if _, id, ok := strings.Cut(v, "instance/"); ok {
				fs.ids.add(ri, id)
			}
		}
	})
	for _, f := range r.Filters {
		if f.Kind == FilterID {
			for _, v := range f.Values {
				fs.ids.add(ri, v)
			}
		}
	}
}

// instances appends the combinations of up to limit values per field not seen yet.
func (fs *fields) instances(limit int, out []instance, seen map[instance]bool) []instance {
	for _, region := range fs.regions.top(limit, otherRegions) {
		for _, account := range fs.accounts.top(limit, otherAccounts) {
			for _, id := range fs.ids.top(limit, otherIDs) {
				if in := (instance{region: region, account: account, id: id}); !seen[in] {
					seen[in] = true
					out = append(out, in)
				}
			}
		}
	}
	return out
}

// patternStrings calls fn with each string a pattern accepts in a field (the last key of its
// path; $or branches are looked into), as written: exact values, and the fixed text of
// prefix, suffix, wildcard and equals-ignore-case, which is itself a value they accept.
// Values anything-but excludes are left out.
func patternStrings(p any, field string, fn func(field, v string)) {
	switch p := p.(type) {
	case map[string]any:
		for k, v := range p {
			switch k {
			case "anything-but":
				continue
			case "$or", "prefix", "suffix", "wildcard", "equals-ignore-case":
				patternStrings(v, field, fn)
			default:
				patternStrings(v, k, fn)
			}
		}
	case []any:
		for _, v := range p {
			patternStrings(v, field, fn)
		}
	case string:
		fn(field, strings.ReplaceAll(p, "*", ""))
	}
}

// edge: rule from's action drives an instance to state, which rule to selects and acts on.
type edge struct {
	from, to int
	action   string
	state    string
}

// loops reports rule cycles whose actions trigger each other on one instance.
func (l *loader) loops(set *Set) {
	if l.opts.Transitions == nil {
		return
	}
	var states []string
	for _, r := range set.Rules {
		for _, act := range r.Actions {
			_, to := l.opts.Transitions(act.Name, act.Params)
			for _, s := range to {
				if !slices.Contains(states, s) {
					states = append(states, s)
				}
			}
		}
	}
	if len(states) == 0 {
		return
	}
	m := loopMatcher(set)
	if m == nil {
		return
	}
	reported := map[string]bool{}
	for _, in := range instances(set) {
		hits := map[string][]int{} // the rules that select the instance's event in the state
		for _, s := range states {
			hits[s], _ = m.Match(in.event(s), nil)
		}
		var edges []edge
		for a, ra := range set.Rules {
			if ra.Schedule != nil {
				continue // a schedule acts only against its last transition, never on a change made after it (owners.go)
			}
			for _, act := range ra.Actions {
				from, to := l.opts.Transitions(act.Name, act.Params)
				if !statesAdmit(ra.Filters, from) {
					continue // the rule's own state filter never lets this action act
				}
				for k, s := range to {
					for _, b := range hits[s] {
						if set.Rules[b].Schedule != nil {
							continue // nor does it act on the change another rule made
						}
						if l.follows(ra, set.Rules[b], in, to[k:]) {
							edges = append(edges, edge{from: a, to: b, action: act.Name, state: s})
						}
					}
				}
			}
		}
		for _, cycle := range cycles(len(set.Rules), edges) {
			key := fmt.Sprint(cycle)
			if reported[key] {
				continue
			}
			reported[key] = true
			l.reportLoop(set, cycle)
		}
	}
}

// loopMatcher matches the rules' patterns less their constraints on an event's own id and
// time (at the top, or in a top-level $or, whose branch left empty drops it): every event has
// its own, so a loop's events may have whichever each rule selects. Nil if one does not
// compile, which Load has ruled out.
func loopMatcher(set *Set) *pattern.Matcher {
	ps := make([]*pattern.Pattern, len(set.Rules))
	for i, r := range set.Rules {
		p, _ := decodePattern(r.Pattern).(map[string]any)
		src, err := r.Pattern, error(nil)
		if w := withoutOwnFields(p); len(w) > 0 { // else it selected by id or time alone: kept as it is
			src, err = json.Marshal(w)
		}
		if err == nil {
			ps[i], err = pattern.Parse(src)
		}
		if err != nil {
			return nil
		}
	}
	m, err := pattern.Compile(ps)
	if err != nil {
		return nil
	}
	return m
}

func withoutOwnFields(p map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range p {
		switch k {
		case "id", "time":
		case "$or":
			if kept := weakenOr(v, withoutOwnFields); kept != nil {
				out[k] = kept
			}
		default:
			out[k] = v
		}
	}
	return out
}

func (l *loader) reportLoop(set *Set, cycle []edge) {
	first := set.Rules[cycle[0].from]
	var steps []string
	for _, e := range cycle {
		steps = append(steps, fmt.Sprintf("%q's %s drives an instance to %s, which %q (%s) selects",
			set.Rules[e.from].Name, e.action, e.state, set.Rules[e.to].Name, set.Rules[e.to].Loc))
	}
	l.errs = append(l.errs, &Error{Loc: first.Loc, Msg: "remediation loop: " + strings.Join(steps, "; ") +
		". Their filters can hold for the same instance: make them exclusive (for example a tag one rule requires and the other requires absent)"})
}

// follows reports whether rule b acts on instance in after rule a's action moved it through
// the given states (the event's first; b reads the instance later, so it may find a later
// one): both rules' filters hold on the instance, b's state filter in a state b acts in.
func (l *loader) follows(a, b *Rule, in instance, later []string) bool {
	probe := &resource.Resource{Ref: resource.Ref{Kind: resource.Instance, ID: in.id}}
	for _, f := range slices.Concat(a.Filters, b.Filters) {
		if (f.Kind == FilterID || f.Kind == FilterKindK) && !f.Match(probe, time.Time{}) {
			return false
		}
	}
	acts := false
	for _, s := range later {
		if statesAdmit(b.Filters, []string{s}) && l.actsIn(b, s) {
			acts = true
		}
	}
	return acts && tagsOverlap(a.Filters, b.Filters)
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

// statesAdmit reports whether the state filters let one of the states through.
func statesAdmit(fs []Filter, states []string) bool {
	for _, s := range states {
		ok := true
		for _, f := range fs {
			if f.Kind == FilterState && !slices.Contains(f.Values, s) {
				ok = false
			}
		}
		if ok {
			return true
		}
	}
	return false
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

// tagsOverlap reports whether one set of tags can satisfy the tag filters of both lists. It
// is exact for equals, one-of, present, absent and globs against literal values, and
// conservative for glob against glob: they overlap unless their fixed beginnings or endings
// differ.
func tagsOverlap(a, b []Filter) bool {
	byKey := map[string][]Filter{}
	for _, f := range slices.Concat(a, b) {
		if f.Kind == FilterTag {
			byKey[f.Tag] = append(byKey[f.Tag], f)
		}
	}
	for _, fs := range byKey {
		if !tagSatisfiable(fs) {
			return false
		}
	}
	return true
}

// tagSatisfiable reports whether one value (or the tag's absence) satisfies every filter on
// one tag key.
func tagSatisfiable(fs []Filter) bool {
	present, absent := false, false
	var finite []string // the values equals/one-of (and literal globs) allow; nil: any
	hasFinite := false
	var globs [][]string // each filter's globs, one of which must match
	for _, f := range fs {
		switch f.Op {
		case TagAbsent:
			absent = true
			continue
		case TagPresent:
			present = true
			continue
		}
		present = true
		if f.Op == TagGlob && !allLiteral(f.Values) {
			globs = append(globs, f.Values)
			continue
		}
		finite, hasFinite = intersect(finite, f.Values, hasFinite), true
	}
	switch {
	case present && absent:
		return false
	case absent:
		return true
	case hasFinite:
		for _, v := range finite {
			if matchesAll(globs, v) {
				return true
			}
		}
		return false
	}
	return globsMeet(globs)
}

const globMeta = `*?[\`

func allLiteral(globs []string) bool {
	for _, g := range globs {
		if strings.ContainsAny(g, globMeta) {
			return false
		}
	}
	return true
}

// matchesAll reports whether v matches one glob of each list.
func matchesAll(globs [][]string, v string) bool {
	for _, gs := range globs {
		ok := false
		for _, g := range gs {
			if m, err := path.Match(g, v); err == nil && m {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// globsMeet reports whether some value may match one glob of each list: yes when a value
// built from one glob matches them all, no when every choice of globs has two whose fixed
// beginnings or endings differ, and yes (conservatively) otherwise.
func globsMeet(globs [][]string) bool {
	if len(globs) == 0 {
		return true
	}
	for _, gs := range globs {
		for _, g := range gs {
			w := strings.NewReplacer("*", "", "?", "x").Replace(g)
			if !strings.ContainsAny(w, `[\`) && matchesAll(globs, w) {
				return true
			}
		}
	}
	var choose func(i int, chosen []string) bool
	choose = func(i int, chosen []string) bool {
		if i == len(globs) {
			return true
		}
		for _, g := range globs[i] {
			if compatible(chosen, g) && choose(i+1, append(chosen, g)) {
				return true
			}
		}
		return false
	}
	return choose(0, nil)
}

// compatible reports whether glob g and each of chosen may match one value, judged on their
// fixed beginnings and endings.
func compatible(chosen []string, g string) bool {
	for _, c := range chosen {
		p1, p2 := fixedPrefix(c), fixedPrefix(g)
		s1, s2 := fixedSuffix(c), fixedSuffix(g)
		if !strings.HasPrefix(p1, p2) && !strings.HasPrefix(p2, p1) {
			return false
		}
		if !strings.HasSuffix(s1, s2) && !strings.HasSuffix(s2, s1) {
			return false
		}
	}
	return true
}

func fixedPrefix(g string) string {
	if i := strings.IndexAny(g, globMeta); i >= 0 {
		return g[:i]
	}
	return g
}

// fixedSuffix is the text after the last metacharacter; none when the glob has a class or an
// escape, whose end is not a plain character.
func fixedSuffix(g string) string {
	if strings.ContainsAny(g, `[\`) {
		return ""
	}
	if i := strings.LastIndexAny(g, "*?"); i >= 0 {
		return g[i+1:]
	}
	return g
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
