package rules

import (
	"gopkg.in/yaml.v3"

	"github.com/ec2guard/ec2guard/resource"
)

// semantic is a filter that attr cannot say well: the kinds it judges, and how it reads its
// parameters into a pred for each of them.
type semantic struct {
	kinds []resource.Kind
	// compile reads the filter's value (kind-independent checks) and returns, for a kind,
	// the pred and what a read of that kind must fetch.
	compile func(l *loader, v *yaml.Node) (func(k resource.Kind) (pred, resource.Needs), string, bool)
}

// semantics are the semantic filters by name.
var semantics = map[FilterKind]*semantic{}

// semanticFilter reads {NAME: VALUE}, a semantic filter, for each of the rule's kinds.
func (l *loader) semanticFilter(f *Filter, item *yaml.Node, kinds []resource.Kind) bool {
	key := item.Content[0]
	f.Kind = FilterKind(key.Value)
	s := semantics[f.Kind]
	if len(item.Content) != 2 {
		l.errorf(item.Content[2], "a %s filter is one key: {%s: ...}", f.Kind, f.Kind)
		return false
	}
	before := len(l.errs)
	l.applies(key, "a "+string(f.Kind)+" filter", kinds, func(k resource.Kind) bool { return containsKind(s.kinds, k) })
	build, param, ok := s.compile(l, resolve(item.Content[1]))
	if !ok || len(l.errs) > before {
		return false
	}
	f.Param = param
	j := &judge{}
	for _, k := range kinds {
		p, needs := build(k)
		j.kinds, j.needs, j.preds = append(j.kinds, k), append(j.needs, needs|resource.NeedDescribe), append(j.preds, p)
	}
	f.judge = j
	return true
}

func containsKind(ks []resource.Kind, k resource.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}
