package actions

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

type paramKind int

const (
	pBool paramKind = iota
	pString
	pStringMap
	pDuration
	pTopicARN
	pOther // checked by the parameter's valid alone
)

type param struct {
	kind     paramKind
	required bool
	doc      string
	template bool              // the value (each value, for a map) is a template: its fields are checked
	valid    func(v any) error // pOther's check of the value
}

// check validates an action's name and each of its parameters (Parse adds what needs them
// together).
func check(name string, params map[string]any) error {
	s, ok := lookup(name)
	if !ok {
		return fmt.Errorf("unknown action (known: %s)", strings.Join(Names(), ", "))
	}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p, ok := s.params[k]
		if !ok {
			known := make([]string, 0, len(s.params))
			for n := range s.params {
				known = append(known, n)
			}
			sort.Strings(known)
			if len(known) == 0 {
				return fmt.Errorf("takes no parameters, got %q", k)
			}
			return fmt.Errorf("unknown parameter %q (known: %s)", k, strings.Join(known, ", "))
		}
		if err := p.check(params[k]); err != nil {
			return &ParamError{Param: k, Err: err}
		}
	}
	for n, p := range s.params {
		if _, ok := params[n]; p.required && !ok {
			return fmt.Errorf("parameter %q is required (%s)", n, p.doc)
		}
	}
	return nil
}

func (p param) check(v any) error {
	switch p.kind {
	case pOther:
		return p.valid(v)
	case pBool:
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("must be true or false, got %v", v)
		}
	case pString, pDuration, pTopicARN:
		s, ok := v.(string)
		if !ok || s == "" {
			return fmt.Errorf("must be a non-empty string, got %v", v)
		}
		if p.kind == pTopicARN {
			if err := checkTopicARN(s); err != nil {
				return err
			}
		}
		if p.kind == pDuration {
			if _, err := parseDuration(s); err != nil {
				return err
			}
		}
		if p.template {
			if _, err := ParseTemplate(s); err != nil {
				return err
			}
		}
	case pStringMap:
		m, ok := v.(map[string]any)
		if !ok || len(m) == 0 {
			return fmt.Errorf("must be a non-empty mapping of strings")
		}
		for k, e := range m {
			if _, ok := e.(string); !ok {
				return fmt.Errorf("value of %q must be a string", k)
			}
			if k == "" || len(k) > 128 || strings.HasPrefix(strings.ToLower(k), "aws:") {
				return fmt.Errorf("tag key %q is not allowed (1-128 characters, not aws:)", k)
			}
			if p.template {
				if _, err := ParseTemplate(e.(string)); err != nil {
					return fmt.Errorf("value of %q: %w", k, err)
				}
			}
		}
	}
	return nil
}

// ParamError is a problem with one parameter of an action; the rule loader places it at
// the parameter's value.
type ParamError struct {
	Param string
	Err   error
}

func (e *ParamError) Error() string { return fmt.Sprintf("parameter %q: %v", e.Param, e.Err) }
func (e *ParamError) Unwrap() error { return e.Err }

// ParamName is the parameter the error is about.
func (e *ParamError) ParamName() string { return e.Param }

var (
	arnPartition = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	arnRegion    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	arnAccount   = regexp.MustCompile(`^[0-9]{12}$`)
	topicName    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
)

// checkTopicARN accepts what SNS accepts as a topic ARN: arn:PARTITION:sns:REGION:ACCOUNT:NAME,
// the name 1-256 letters, digits, hyphens and underscores (a FIFO topic's ending in .fifo).
// The value is checked after variables are filled; the deployed policy and template name it.
func checkTopicARN(s string) error {
	const want = "arn:PARTITION:sns:REGION:ACCOUNT:NAME"
	parts := strings.Split(s, ":")
	if len(parts) != 6 || parts[0] != "arn" {
		return fmt.Errorf("%q is not an SNS topic ARN (%s)", s, want)
	}
	partition, service, region, account, name := parts[1], parts[2], parts[3], parts[4], parts[5]
	switch {
	case service != "sns":
		return fmt.Errorf("%q is an ARN of %s, not of an SNS topic (%s)", s, service, want)
	case !arnPartition.MatchString(partition):
		return fmt.Errorf("%q: %q is not an AWS partition (aws, aws-cn, aws-us-gov, ...)", s, partition)
	case !arnRegion.MatchString(region):
		return fmt.Errorf("%q: %q is not an AWS region (for example eu-west-1)", s, region)
	case !arnAccount.MatchString(account):
		return fmt.Errorf("%q: the account %q is not 12 digits", s, account)
	case !topicName.MatchString(strings.TrimSuffix(name, ".fifo")) || len(name) > 256:
		return fmt.Errorf("%q: the topic name %q is not 1-256 letters, digits, hyphens and underscores (and .fifo for a FIFO topic)", s, name)
	}
	return nil
}

// maxWait bounds how long an action may wait for an instance to settle.
const maxWait = 15 * time.Minute

func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("not a duration like 90s or 2m: %q", s)
	}
	if d <= 0 || d > maxWait {
		return 0, fmt.Errorf("must be between 0 and %s, got %s", maxWait, d)
	}
	return d, nil
}
