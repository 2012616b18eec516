package rules

import "github.com/ec2guard/ec2guard/resource"

// ParseFilters reads a list of filters written as a rule's filters: are (YAML or JSON) and
// compiles them for the kinds, through the loader's own parser: a control's filters are
// checked, and judged, by exactly the code that checks and judges a user's rule. Problems
// are Errors at file:line:col of src.
func ParseFilters(file string, src []byte, kinds []resource.Kind) ([]Filter, error) {
	l := &loader{file: file}
	top, err := parseYAML(file, src)
	if err != nil {
		return nil, err
	}
	if top == nil {
		return nil, Errors{{Loc: Location{File: file, Line: 1, Column: 1}, Msg: "no filters"}}
	}
	fs := l.filters(resolve(top), kinds)
	if len(l.errs) > 0 {
		return nil, l.sorted()
	}
	return fs, nil
}

// Detail says, for a resource the filter holds of, what in it made the filter hold, where
// the filter can say more than String (which secret detector fired on which line, which
// permission is open); "" otherwise. It never repeats a secret.
func (f Filter) Detail(r *resource.Resource) string {
	if f.judge == nil {
		return ""
	}
	for i, k := range f.judge.kinds {
		if k == r.Kind {
			if d, ok := f.judge.preds[i].(detailer); ok {
				return d.detail(r)
			}
		}
	}
	return ""
}

// detailer is a pred that can say why it held.
type detailer interface {
	detail(r *resource.Resource) string
}
