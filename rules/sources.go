package rules

import (
	"fmt"
	"strings"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/pattern"
)

// ForeignSources warns of each acting rule — one with an action mutating reports as changing
// AWS state — whose pattern admits events of a source that is not AWS's: a pattern with no
// "source", or one that a prefix, anything-but, wildcard, suffix or case-folding lets other
// sources through. Any principal allowed events:PutEvents on a bus the rule reads can send
// such an event with any detail; the engine does not act on one (a skipped record), so the
// rule would be waiting for what it refuses, and an EventBridge rule installed from the
// pattern delivers them all. The warning is at the rule, and names an example source.
func ForeignSources(set *Set, mutating func(name string) bool) Errors {
	var out Errors
	for _, r := range set.Rules {
		var acting []string
		for _, a := range r.Actions {
			if mutating(a.Name) {
				acting = append(acting, a.Name)
			}
		}
		if len(acting) == 0 {
			continue
		}
		p := r.Parsed
		if p == nil {
			var err error
			if p, err = pattern.Parse(r.Pattern); err != nil {
				out = append(out, &Error{Loc: r.Loc, Msg: fmt.Sprintf("rule %q: pattern: %v", r.Name, err)})
				continue
			}
		}
		example, absent, ok := p.AdmitsWithout("source", event.SourcePrefixAWS)
		if !ok {
			continue
		}
		what := fmt.Sprintf("events of sources that are not AWS's (for example %q)", example)
		switch {
		case absent:
			what = "events whatever their source (it does not pin \"source\")"
		case example == "":
			what = "events of sources that are not AWS's"
		}
		out = append(out, &Error{Loc: r.Loc, Msg: fmt.Sprintf(
			"rule %q acts (%s) but its pattern admits %s: anyone allowed events:PutEvents can send those, and ec2guard does not act on them; "+
				"add source: [aws.ec2] (or the aws.* sources it means)", r.Name, strings.Join(acting, ", "), what)})
	}
	return out
}
