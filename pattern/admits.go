package pattern

import (
	"strconv"
	"strings"
)

// AdmitsWithout reports whether p matches some event whose value at path is no string
// beginning with prefix — a string without it, or no value at all — and returns one such
// value as an example (absent: the event has no value there; both "" and false when a
// conjunction of conditions could not be settled by an example and is reported as admitting). ec2guard asks it of "source"
// and "aws.": a rule whose pattern admits another source acts on events anyone allowed
// events:PutEvents can send.
//
// It is decided branch by branch: a branch that does not read path admits anything there;
// otherwise an example must satisfy every condition the branch has at path. Examples are
// built from the operands of those conditions (an operand's own value, its prefix with
// another letter, its suffix after one, its letters in the other case, a wildcard's stars
// filled...) and each is checked against the conditions' own matchers, so an example is
// always one the pattern accepts; the candidates are chosen so that, for every operator,
// one is found whenever one exists. Values of the other paths of a branch are independent
// of this path's, so the rest of a valid branch can always be satisfied too.
func (p *Pattern) AdmitsWithout(path, prefix string) (example string, absent, ok bool) {
	for _, b := range p.branches {
		var fs []*field
		for i := range b {
			if b[i].path == path {
				fs = append(fs, &b[i])
			}
		}
		if len(fs) == 0 {
			return "", true, true
		}
		if all(fs, func(f *field) bool { return f.absentOK }) {
			return "", true, true
		}
		for _, c := range candidates(fs, prefix) {
			if strings.HasPrefix(c, prefix) {
				continue
			}
			v := value{typ: typString, str: c}
			if all(fs, func(f *field) bool { return f.admits(&v) }) {
				return c, false, true
			}
		}
		if len(fs) > 1 && all(fs, func(f *field) bool { return f.admitsWithout(prefix) }) {
			// Each condition alone admits an example, none found satisfies them together,
			// which does not prove there is none: say it admits (a warning too many rather
			// than one too few).
			return "", false, true
		}
	}
	return "", false, false
}

func all(fs []*field, f func(*field) bool) bool {
	for _, x := range fs {
		if !f(x) {
			return false
		}
	}
	return true
}

// admitsWithout reports whether the field alone holds for a string without prefix (for one
// field, the candidates find an example whenever there is one).
func (f *field) admitsWithout(prefix string) bool {
	for _, c := range candidates([]*field{f}, prefix) {
		v := value{typ: typString, str: c}
		if !strings.HasPrefix(c, prefix) && f.admits(&v) {
			return true
		}
	}
	return false
}

// admits reports whether the field's condition holds for an event whose only value at its
// path is v.
func (f *field) admits(v *value) bool {
	for i := range f.matchers {
		if f.matchers[i].match(v) {
			return true
		}
	}
	return false
}

// candidates are the strings tried as examples: a few that fit any operator, then what the
// fields' operands suggest.
func candidates(fs []*field, prefix string) []string {
	out := []string{"mallory.app", ""}
	// anything-but lists: one of n+1 distinct strings is outside any n of them.
	n := 1
	for _, f := range fs {
		for _, m := range f.matchers {
			n += len(m.strs)
		}
	}
	for i := range n {
		out = append(out, "x"+strconv.Itoa(i), "y"+strconv.Itoa(i))
	}
	var own []string
	variants := func(s string) {
		up, low := strings.ToUpper(s), strings.ToLower(s)
		own = append(own, s, s+"x", s+"y", "x"+s, "y"+s, up, low, up+"x", low+"x", "x"+up, "x"+low)
	}
	variants(prefix)
	for _, f := range fs {
		for _, m := range f.matchers {
			variants(m.str)
			for _, s := range m.strs {
				variants(s)
			}
			if m.kind == kCIDR {
				own = append(own, m.cidr.Addr().String())
			}
			ws := m.wilds
			if m.wild != nil {
				ws = []*wildcard{m.wild}
			}
			for _, w := range ws {
				for _, fill := range []string{"", "x", "y"} {
					own = append(own, strings.Join(w.parts, fill))
				}
			}
		}
	}
	out = append(out, own...)
	if len(fs) > 1 {
		// Conditions together (from $or alternatives that each name the path): one operand's
		// beginning with another's end.
		for _, a := range own {
			for _, b := range own {
				out = append(out, a+b)
			}
		}
	}
	return out
}
