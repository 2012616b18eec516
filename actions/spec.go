// Package actions holds what ec2guard can do to a resource: start, stop, protect, tag and
// notify. This file is the part the rule loader needs without touching AWS: each action's
// parameters and the instance states it drives resources to.
package actions

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/ec2guard/ec2guard/resource"
)

type paramKind int

const (
	pBool paramKind = iota
	pString
	pStringMap
	pDuration
	pTopicARN
)

type param struct {
	kind     paramKind
	required bool
	doc      string
	template bool // the value (each value, for a map) is a template: its fields are checked
}

type spec struct {
	doc    string
	params map[string]param
	// actsIn lists the instance states in which the action changes the instance (elsewhere
	// it checks and skips); drives lists the states it moves the instance to, in order: the
	// events it causes, which other rules may select (the loop check reads both).
	actsIn, drives []resource.State
}

var specs = map[string]spec{
	"start": {
		doc:    "start the instance if it is stopped (waits, bounded, while it is stopping)",
		params: map[string]param{"wait": {kind: pDuration, doc: "how long to wait for a stopping instance (default 2m)"}},
		actsIn: []resource.State{resource.Stopping, resource.Stopped},
		drives: []resource.State{resource.Pending, resource.Running},
	},
	"stop": {
		doc:    "stop the instance if it is running",
		params: map[string]param{"force": {kind: pBool, doc: "turn DisableApiStop off first instead of reporting the instance"}},
		actsIn: []resource.State{resource.Pending, resource.Running},
		drives: []resource.State{resource.Stopping, resource.Stopped},
	},
	"protect": {
		doc: "set stop and/or termination protection",
		params: map[string]param{
			"stop":        {kind: pBool, doc: "set DisableApiStop"},
			"termination": {kind: pBool, doc: "set DisableApiTermination"},
		},
	},
	"tag": {
		doc: "tag what the event created (an instance's volumes and network interfaces too)",
		params: map[string]param{
			"tags":      {kind: pStringMap, required: true, template: true, doc: "tag keys and value templates ({{.UserName}}, {{.PrincipalID}}, ...)"},
			"overwrite": {kind: pBool, doc: "replace tags that already exist"},
			"confirm":   {kind: pBool, doc: "confirm the call by its eventID with CloudTrail's event history (cloudtrail:LookupEvents) before tagging"},
		},
	},
	"tell-owner": {
		doc: "tell the resource's owner what is wrong, what was or will be done when, how to fix it (the rule file's owner map, and/or a topic with message attributes)",
		params: map[string]param{
			"topic":     {kind: pTopicARN, doc: "an SNS topic for owners without one in the owner map (attributes owner, principal_id, rule, control, severity, account)"},
			"problem":   {kind: pString, template: true, doc: "what is wrong (template)"},
			"fix":       {kind: pString, template: true, doc: "how to fix it (template)"},
			"exception": {kind: pString, template: true, doc: "how to ask for an exception (template)"},
			"control":   {kind: pString, doc: "the guardrail's id, for filter policies"},
			"severity":  {kind: pString, doc: "low, medium, high or critical, for filter policies"},
		},
	},
	"notify": {
		doc: "publish to an SNS topic",
		params: map[string]param{
			"topic":   {kind: pTopicARN, required: true, doc: "the SNS topic ARN (arn:PARTITION:sns:REGION:ACCOUNT:NAME)"},
			"subject": {kind: pString, template: true, doc: "subject template"},
			"message": {kind: pString, template: true, doc: "message template"},
			"always":  {kind: pBool, doc: "notify even when every earlier action of the rule was skipped (nothing was done)"},
		},
	},
}

// Names returns the action names, sorted.
func Names() []string {
	names := make([]string, 0, len(specs))
	for n := range specs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// check validates an action's name and each of its parameters (Parse adds what needs them
// together).
func check(name string, params map[string]any) error {
	s, ok := specs[name]
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
			if _, err := parseTemplate(s); err != nil {
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
				if _, err := parseTemplate(e.(string)); err != nil {
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

// Transitions returns the instance states in which the action changes an instance (from) and
// the states it moves it to (to); both nil for actions that do not change instance state.
func Transitions(name string, _ map[string]any) (from, to []string) {
	return names(specs[name].actsIn), names(specs[name].drives)
}

// names are the states' names, for the rule loader's loop check (nil for none).
func names(states []resource.State) []string {
	if states == nil {
		return nil
	}
	out := make([]string, len(states))
	for i, st := range states {
		out[i] = string(st)
	}
	return out
}
