// Package exception decides whether an exception spares a resource from a rule at an instant:
// honoured, expired (reported, and no longer honoured) or none.
//
// An exception names what it spares — a tag key on the resource (the seeds' SPECIAL_EXCEPTION),
// resource ids, accounts or principals — with a reason and an optional expiry. A tag's value
// may carry its own expiry and reason:
//
//	SPECIAL_EXCEPTION = until=2027-01-31;reason=load test, ask bob
//	SPECIAL_EXCEPTION = 2027-01-31
//	SPECIAL_EXCEPTION = true                  (no expiry)
//
// A date expires at the end of that day, UTC; an RFC 3339 time expires at that instant. A tag
// value that says `until=` or `reason=` but cannot be read is not honoured (invalid, reported):
// a typo must not turn a dated exception into a permanent one. Everything is pure.
package exception

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Exception is one exception of a rule or a control.
type Exception struct {
	Tag        string    // a tag key whose presence on the resource spares it
	IDs        []string  // resource ids
	Accounts   []string  // account ids
	Principals []string  // principal ids or ARNs; '*' matches any run of characters
	Reason     string    // why: shown in every report of it
	Until      time.Time // zero: no expiry; honoured before this instant
}

// Subject is what an exception is judged on.
type Subject struct {
	ID         string
	Account    string
	Principals []string // who acted (the event's caller) and who owns it (PrincipalId, Owner tags)
	Tags       map[string]string
}

// Status is the outcome of an evaluation.
type Status int

// The statuses.
const (
	None     Status = iota // no exception names the subject
	Honoured               // an exception spares it
	Expired                // an exception named it, but has expired: reported, not honoured
	Invalid                // an exception tag's value cannot be read: reported, not honoured
)

func (s Status) String() string { return [...]string{"none", "honoured", "expired", "invalid"}[s] }

// Verdict is the outcome and what it rests on.
type Verdict struct {
	Status    Status
	Exception *Exception // the deciding exception; nil for None
	By        string     // what matched: "tag SPECIAL_EXCEPTION", "id i-1", "account 1111", "principal AIDA..."
	Reason    string     // the exception's reason (the tag's when it gives one)
	Until     time.Time  // its expiry; zero: none
	Problem   string     // Invalid: what is wrong with the tag value
}

// String says it in words, for decision records and messages.
func (v Verdict) String() string {
	switch v.Status {
	case None:
		return "no exception"
	case Invalid:
		return fmt.Sprintf("exception by %s not honoured: %s", v.By, v.Problem)
	}
	s := fmt.Sprintf("exception by %s", v.By)
	if v.Status == Expired {
		s += " expired " + v.Until.UTC().Format(time.RFC3339)
	} else if !v.Until.IsZero() {
		s += " until " + v.Until.UTC().Format(time.RFC3339)
	}
	if v.Reason != "" {
		s += " (" + v.Reason + ")"
	}
	return s
}

// ParseUntil reads an expiry: YYYY-MM-DD (the exception holds through that day, UTC: it
// expires at the next midnight UTC) or an RFC 3339 time.
func ParseUntil(s string) (time.Time, error) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.AddDate(0, 0, 1), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("expiry %q is not a date (2027-01-31) or an RFC 3339 time (2027-01-31T18:00:00Z)", s)
}

// ParseTagValue reads an exception tag's value: `until=DATE;reason=TEXT` (either, in any
// order), a bare date, or anything else (no expiry; the value is its reason unless it is a
// plain yes: true, yes, 1 or empty).
func ParseTagValue(v string) (until time.Time, reason string, err error) {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "=") {
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			return t.AddDate(0, 0, 1), "", nil
		}
		switch strings.ToLower(v) {
		case "", "true", "yes", "1":
			return time.Time{}, "", nil
		}
		return time.Time{}, v, nil
	}
	seen := map[string]bool{}
	for part := range strings.SplitSeq(v, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		val = strings.TrimSpace(val)
		if !ok {
			return time.Time{}, "", fmt.Errorf("%q is not key=value (until=2027-01-31;reason=...)", part)
		}
		if seen[k] {
			return time.Time{}, "", fmt.Errorf("%s is given twice", k)
		}
		seen[k] = true
		switch k {
		case "until":
			if until, err = ParseUntil(val); err != nil {
				return time.Time{}, "", err
			}
		case "reason":
			reason = val
		default:
			return time.Time{}, "", fmt.Errorf("%s is not a key of an exception tag (until, reason)", k)
		}
	}
	return until, reason, nil
}

// Check reports what is wrong with an exception as written: it names nothing, or it names a
// principal pattern that is empty.
func (e *Exception) Check() error {
	if e.Tag == "" && len(e.IDs) == 0 && len(e.Accounts) == 0 && len(e.Principals) == 0 {
		return errors.New("an exception names a tag, ids, accounts or principals")
	}
	for _, l := range [][]string{e.IDs, e.Accounts, e.Principals} {
		if slices.Contains(l, "") {
			return errors.New("an exception's id, account or principal is empty")
		}
	}
	return nil
}

// Match judges one exception. A tag's expiry and reason, when its value gives them, take
// the place of the exception's.
func (e *Exception) Match(s Subject, now time.Time) Verdict {
	v := Verdict{Exception: e, Reason: e.Reason, Until: e.Until}
	switch {
	case e.Tag != "" && has(s.Tags, e.Tag):
		v.By = "tag " + e.Tag
		until, reason, err := ParseTagValue(s.Tags[e.Tag])
		if err != nil {
			v.Status, v.Problem = Invalid, err.Error()
			return v
		}
		if !until.IsZero() {
			v.Until = until
		}
		if reason != "" {
			v.Reason = reason
		}
	case s.ID != "" && slices.Contains(e.IDs, s.ID):
		v.By = "id " + s.ID
	case s.Account != "" && slices.Contains(e.Accounts, s.Account):
		v.By = "account " + s.Account
	default:
		p, ok := e.principal(s.Principals)
		if !ok {
			return Verdict{}
		}
		v.By = "principal " + p
	}
	v.Status = Honoured
	if !v.Until.IsZero() && !now.Before(v.Until) {
		v.Status = Expired
	}
	return v
}

func has(tags map[string]string, k string) bool { _, ok := tags[k]; return ok }

func (e *Exception) principal(ps []string) (string, bool) {
	for _, p := range ps {
		if p == "" {
			continue
		}
		for _, pat := range e.Principals {
			if glob(pat, p) {
				return p, true
			}
		}
	}
	return "", false
}

// glob matches s against pat, where '*' matches any run of characters (ARNs have '/', which
// path.Match would not cross). Greedy with one backtrack point: linear in practice, never
// exponential, however many stars.
func glob(pat, s string) bool {
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pat) && pat[p] == '*':
			star, mark = p, i
			p++
		case p < len(pat) && pat[p] == s[i]:
			p++
			i++
		case star >= 0:
			mark++
			p, i = star+1, mark
		default:
			return false
		}
	}
	for p < len(pat) && pat[p] == '*' {
		p++
	}
	return p == len(pat)
}

// Evaluate judges every exception: an honoured one wins; else an expired one is reported
// (the one that expired last), else an invalid tag; else none.
func Evaluate(list []Exception, s Subject, now time.Time) Verdict {
	var best Verdict
	for i := range list {
		v := list[i].Match(s, now)
		if rank(v.Status) > rank(best.Status) || v.Status == Expired && best.Status == Expired && v.Until.After(best.Until) {
			best = v
		}
		if best.Status == Honoured {
			break
		}
	}
	return best
}

// rank orders the statuses by which one a verdict reports.
func rank(s Status) int {
	switch s {
	case Invalid:
		return 1
	case Expired:
		return 2
	case Honoured:
		return 3
	}
	return 0
}
