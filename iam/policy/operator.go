package policy

import (
	"fmt"
	"strings"
)

// Family is a condition operator without its set prefix and IfExists suffix.
type Family int

// The base condition operators.
const (
	StringEquals Family = iota + 1
	StringNotEquals
	StringEqualsIgnoreCase
	StringNotEqualsIgnoreCase
	StringLike
	StringNotLike
	NumericEquals
	NumericNotEquals
	NumericLessThan
	NumericLessThanEquals
	NumericGreaterThan
	NumericGreaterThanEquals
	DateEquals
	DateNotEquals
	DateLessThan
	DateLessThanEquals
	DateGreaterThan
	DateGreaterThanEquals
	Bool
	BinaryEquals
	IPAddress
	NotIPAddress
	ArnEquals
	ArnNotEquals
	ArnLike
	ArnNotLike
	Null
)

var familyNames = map[string]Family{
	"stringequals": StringEquals, "stringnotequals": StringNotEquals,
	"stringequalsignorecase": StringEqualsIgnoreCase, "stringnotequalsignorecase": StringNotEqualsIgnoreCase,
	"stringlike": StringLike, "stringnotlike": StringNotLike,
	"numericequals": NumericEquals, "numericnotequals": NumericNotEquals,
	"numericlessthan": NumericLessThan, "numericlessthanequals": NumericLessThanEquals,
	"numericgreaterthan": NumericGreaterThan, "numericgreaterthanequals": NumericGreaterThanEquals,
	"dateequals": DateEquals, "datenotequals": DateNotEquals,
	"datelessthan": DateLessThan, "datelessthanequals": DateLessThanEquals,
	"dategreaterthan": DateGreaterThan, "dategreaterthanequals": DateGreaterThanEquals,
	"bool": Bool, "binaryequals": BinaryEquals,
	"ipaddress": IPAddress, "notipaddress": NotIPAddress,
	"arnequals": ArnEquals, "arnnotequals": ArnNotEquals, "arnlike": ArnLike, "arnnotlike": ArnNotLike,
	"null": Null,
}

// Negated reports whether the operator is a negation (…Not…), which AWS evaluates as
// "no value matches" and which is true when the key is absent.
func (f Family) Negated() bool {
	switch f {
	case StringNotEquals, StringNotEqualsIgnoreCase, StringNotLike, NumericNotEquals, DateNotEquals,
		NotIPAddress, ArnNotEquals, ArnNotLike:
		return true
	}
	return false
}

// SetOp is the set-operator prefix of a condition operator.
type SetOp int

// Set operators.
const (
	Single SetOp = iota
	ForAnyValue
	ForAllValues
)

// Operator is a parsed condition operator.
type Operator struct {
	Family   Family
	Set      SetOp
	IfExists bool
}

// ParseOperator parses a condition operator such as "ForAllValues:StringLikeIfExists".
// Operator names are matched case-insensitively.
func ParseOperator(s string) (Operator, error) {
	var op Operator
	name := s
	if pre, rest, ok := strings.Cut(s, ":"); ok {
		switch strings.ToLower(pre) {
		case "foranyvalue":
			op.Set = ForAnyValue
		case "forallvalues":
			op.Set = ForAllValues
		default:
			return op, fmt.Errorf("unknown condition set operator %q in %q", pre, s)
		}
		name = rest
	}
	lower := strings.ToLower(name)
	if f, ok := familyNames[lower]; ok {
		op.Family = f
		return op, nil
	}
	if base, ok := strings.CutSuffix(lower, "ifexists"); ok {
		if f, ok := familyNames[base]; ok && f != Null {
			op.Family, op.IfExists = f, true
			return op, nil
		}
	}
	return op, fmt.Errorf("unknown condition operator %q", s)
}
