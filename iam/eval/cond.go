package eval

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ec2guard/ec2guard/iam/policy"
)

// condition is a compiled (operator, key, values) triple.
type condition struct {
	op     policy.Operator
	key    string
	values []condValue
	src    *policy.Condition
}

// condValue is one policy value, pre-parsed for its operator family.
type condValue struct {
	pat  pattern // string/ARN forms, with variables
	num  float64
	ok   bool // the pre-parsed form below is valid (num, date, prefix)
	date time.Time
	pfx  netip.Prefix
}

func compileCondition(c *policy.Condition, vars bool) condition {
	cc := condition{op: c.Op, key: c.Key, src: c}
	f := c.Op.Family
	wild := f == policy.StringLike || f == policy.StringNotLike || isArn(f)
	for _, v := range c.Values {
		cv := condValue{pat: compilePattern(v, wild, vars)}
		if !cv.pat.hasVars {
			cv.parse(f, v)
		}
		cc.values = append(cc.values, cv)
	}
	return cc
}

func isArn(f policy.Family) bool {
	return f == policy.ArnEquals || f == policy.ArnNotEquals || f == policy.ArnLike || f == policy.ArnNotLike
}

func (cv *condValue) parse(f policy.Family, v string) {
	switch {
	case f >= policy.NumericEquals && f <= policy.NumericGreaterThanEquals:
		cv.num, cv.ok = parseNum(v)
	case f >= policy.DateEquals && f <= policy.DateGreaterThanEquals:
		cv.date, cv.ok = parseDate(v)
	case f == policy.IPAddress || f == policy.NotIPAddress:
		cv.pfx, cv.ok = parsePrefix(v)
	}
}

func parseNum(s string) (float64, bool) {
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return n, err == nil
}

// parseDate accepts the ISO 8601 forms IAM accepts and epoch seconds.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if s[0] >= '0' && s[0] <= '9' && !strings.ContainsAny(s, "-:T") {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return time.Unix(n, 0).UTC(), true
		}
	}
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func parsePrefix(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if strings.IndexByte(s, '/') >= 0 {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err == nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// eval applies the condition to the request context with AWS's rules for absent keys,
// IfExists, negation and the set operators.
func (c *condition) eval(ctx Context) bool {
	vals, present := ctx.Lookup(c.key)
	f := c.op.Family
	if f == policy.Null {
		// Null tests presence: "true" means the key must be absent (or empty).
		absent := !present || len(vals) == 0
		for i := range c.values {
			want, err := strconv.ParseBool(strings.TrimSpace(c.values[i].pat.raw))
			if err == nil && want == absent {
				return true
			}
		}
		return false
	}
	if !present || len(vals) == 0 {
		switch {
		case c.op.IfExists:
			return true
		case c.op.Set == policy.ForAllValues:
			return true // vacuously: every one of no values matches
		case c.op.Set == policy.ForAnyValue:
			return false
		}
		return f.Negated()
	}
	neg := f.Negated()
	switch c.op.Set {
	case policy.ForAllValues:
		for _, v := range vals {
			if c.matchAny(v, ctx) == neg {
				return false
			}
		}
		return true
	case policy.ForAnyValue:
		for _, v := range vals {
			if c.matchAny(v, ctx) != neg {
				return true
			}
		}
		return false
	}
	// A single-valued operator: positive operators need some request value to match;
	// negated operators need no request value to match.
	for _, v := range vals {
		if c.matchAny(v, ctx) {
			return !neg
		}
	}
	return neg
}

// matchAny reports whether the request value v matches any policy value under the
// operator's positive form (StringNotEquals compares as StringEquals, and so on).
//
// A policy value whose variable cannot be resolved fails in the operator's own sense: it
// never matches a positive operator and always defeats a negated one (AWS: "If AWS cannot
// resolve a variable, this might cause the entire statement to be invalid").
func (c *condition) matchAny(v string, ctx Context) bool {
	neg := c.op.Family.Negated()
	for i := range c.values {
		m, resolved := c.match(&c.values[i], v, ctx)
		if m || (!resolved && neg) {
			return true
		}
	}
	return false
}

func (c *condition) match(cv *condValue, v string, ctx Context) (matched, resolved bool) {
	var buf [8]tok
	toks, ok := cv.pat.resolve(ctx, buf[:])
	if !ok {
		return false, false
	}
	return c.matchResolved(cv, toks, v), true
}

func (c *condition) matchResolved(cv *condValue, toks []tok, v string) bool {
	f := c.op.Family
	switch f {
	case policy.StringEquals, policy.StringNotEquals, policy.StringLike, policy.StringNotLike:
		return globMatch(toks, v, false, -1)
	case policy.StringEqualsIgnoreCase, policy.StringNotEqualsIgnoreCase:
		return globMatch(toks, v, true, -1)
	case policy.ArnEquals, policy.ArnNotEquals, policy.ArnLike, policy.ArnNotLike:
		return matchARN(toks, v)
	case policy.Bool:
		pv, ok := literal(cv, toks)
		return ok && strings.EqualFold(strings.TrimSpace(pv), strings.TrimSpace(v))
	case policy.BinaryEquals:
		pv, ok := literal(cv, toks)
		return ok && pv == v
	}
	// Typed families: parse the policy value if it had variables.
	p := *cv
	if cv.pat.hasVars {
		pv, _ := literal(cv, toks)
		p.parse(f, pv)
	}
	if !p.ok {
		return false
	}
	switch {
	case f >= policy.NumericEquals && f <= policy.NumericGreaterThanEquals:
		n, ok := parseNum(v)
		return ok && compare(f-policy.NumericEquals, cmpFloat(n, p.num))
	case f >= policy.DateEquals && f <= policy.DateGreaterThanEquals:
		d, ok := parseDate(v)
		return ok && compare(f-policy.DateEquals, d.Compare(p.date))
	case f == policy.IPAddress || f == policy.NotIPAddress:
		a, err := netip.ParseAddr(strings.TrimSpace(v))
		if err != nil {
			if pf, perr := netip.ParsePrefix(strings.TrimSpace(v)); perr == nil {
				a = pf.Addr()
			} else {
				return false
			}
		}
		return p.pfx.Contains(a.Unmap())
	}
	return false
}

// literal joins resolved tokens back into the policy value's text.
func literal(cv *condValue, toks []tok) (string, bool) {
	if !cv.pat.hasVars {
		return cv.pat.raw, true
	}
	var b bytes.Buffer
	for _, t := range toks {
		b.WriteString(t.s)
	}
	return b.String(), true
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compare applies the n-th comparison of a numeric or date family (Equals, NotEquals,
// LessThan, LessThanEquals, GreaterThan, GreaterThanEquals) in its positive form.
func compare(n policy.Family, c int) bool {
	switch n {
	case 0, 1: // NotEquals is evaluated as Equals and negated by the caller
		return c == 0
	case 2:
		return c < 0
	case 3:
		return c <= 0
	case 4:
		return c > 0
	case 5:
		return c >= 0
	}
	return false
}

// matchARN matches an ARN pattern segment by segment: wildcards never cross the
// separators of partition, service, region and account.
func matchARN(p []tok, arn string) bool {
	if len(p) == 1 && p[0].kind == tStar {
		return true
	}
	return globMatch(p, arn, false, arnGuard(arn))
}
