package rules

import (
	"fmt"
	"strings"
)

// An attribute path names a field of a resource's Attrs in AWS's field names:
// names joined by dots, each name followed by [] once per list it steps into
// (BlockDeviceMappings[].Ebs.DeleteOnTermination). The grammar:
//
//	path    = segment { "." segment }
//	segment = name { "[]" }
//	name    = letter-or-digit-or-underscore { letter-or-digit-or-underscore }
//
// AWS's member names are all ASCII letters and digits, so nothing needs quoting.

// step is one step of a parsed path: a field of an object, or (each) every element of a list.
type step struct {
	name string // the field; "" for an each step
	each bool
	at   int // byte offset of the step in the path as written, for errors
}

// pathError is a syntax error in a path, at a byte offset of it.
type pathError struct {
	at  int
	msg string
}

func (e *pathError) Error() string { return e.msg }

// maxPathLen bounds a path; EC2's deepest fields are a few hundred bytes from the root.
const maxPathLen = 1024

// parsePath reads an attribute path into its steps.
func parsePath(s string) ([]step, error) {
	if s == "" {
		return nil, &pathError{0, "the path is empty (write a field name, e.g. MetadataOptions.HttpTokens)"}
	}
	if len(s) > maxPathLen {
		return nil, &pathError{0, fmt.Sprintf("the path is longer than %d bytes", maxPathLen)}
	}
	var steps []step
	i := 0
	for {
		start := i
		for i < len(s) && isNameByte(s[i]) {
			i++
		}
		if i == start {
			switch {
			case i == len(s):
				return nil, &pathError{i, "the path ends with a dot: a field name must follow it"}
			case s[i] == '.':
				return nil, &pathError{i, "an empty field name (two dots, or a leading dot)"}
			case s[i] == '[':
				return nil, &pathError{i, "[] must follow a field name (Items[].Field)"}
			default:
				return nil, &pathError{i, fmt.Sprintf("unexpected %q in the path (field names are letters, digits and _; [] steps into a list)", rune(s[i]))}
			}
		}
		steps = append(steps, step{name: s[start:i], at: start})
		for i < len(s) && s[i] == '[' {
			if i+1 >= len(s) || s[i+1] != ']' {
				return nil, &pathError{i, "[ must be followed by ]: [] steps into every element of a list (no index: a filter judges any or all elements)"}
			}
			steps = append(steps, step{each: true, at: i})
			i += 2
		}
		if i == len(s) {
			return steps, nil
		}
		if s[i] != '.' {
			return nil, &pathError{i, fmt.Sprintf("unexpected %q in the path (a dot or [] must follow a field name)", rune(s[i]))}
		}
		i++
	}
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// pathString writes steps back in the path syntax.
func pathString(steps []step) string {
	var b strings.Builder
	for i, s := range steps {
		switch {
		case s.each:
			b.WriteString("[]")
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.name)
		}
	}
	return b.String()
}
