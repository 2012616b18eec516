package checks

import (
	"slices"
	"strings"
	"sync"

	"github.com/ec2guard/ec2guard/iam/eval"
	"github.com/ec2guard/ec2guard/iam/policy"
)

// Subject is a principal and the policies that decide what it may do.
type Subject struct {
	Principal string // ARN; "" for a standalone policy document
	Name      string // user, role or group name, or the policy's name
	Kind      string // "user", "role", "group" or "policy"
	Identity  []*policy.Document
	Boundary  []*policy.Document
	// Missing are managed policies the principal holds whose documents the input lacks
	// (IAM-POLICY-8 reports them: the principal may hold more than is analysed).
	Missing []MissingPolicy
	// When names the template conditions under which the principal deploys as analysed
	// ("" when it always does); Variants is how many condition combinations its template was
	// analysed in (a finding in every one of them holds whatever the conditions).
	When     string
	Variants int

	mu        sync.Mutex
	cache     map[string]*eval.Evaluator
	asWritten *eval.Evaluator

	freshMu sync.Mutex
	fresh   map[string]string // resource type and ARN prefix → the id probes use
	parts   [][3]string       // the probe places, once computed
}

// MissingPolicy is a managed policy a principal holds that the input does not contain.
type MissingPolicy struct {
	ARN      string
	Boundary bool // attached as the permissions boundary
	Loc      policy.Location
}

// Label is how findings name the subject.
func (s *Subject) Label() string {
	if s.Principal != "" {
		return s.Principal
	}
	return s.Name
}

// usable keeps the statements the evaluator can read: a document with problems still has
// its well-formed statements analysed (AWS would reject the whole document, but the
// author's intent is what the other checks judge).
func usable(st *policy.Statement) bool {
	return (st.Effect == policy.Allow || st.Effect == policy.Deny) && (st.Action != nil) != (st.NotAction != nil)
}

// allows reports whether an Allow statement of the subject's identity policies names the
// action (through Action or NotAction), before any resource, condition or Deny is
// considered: the cheap filter in front of the evaluator.
func (s *Subject) allows(action string) bool {
	for _, d := range s.Identity {
		for _, st := range d.Statements {
			if st.Effect == policy.Allow && usable(st) && statementNames(st, action) {
				return true
			}
		}
	}
	return false
}

// statementNames reports whether the statement's Action (or NotAction) covers the action.
func statementNames(st *policy.Statement, action string) bool {
	if st.NotAction != nil {
		return !matchesAny(st.NotAction, action)
	}
	return matchesAny(st.Action, action)
}

// tagDependentKeys returns the tag keys of the ec2:ResourceTag/* and aws:ResourceTag/*
// conditions on the subject's Allow statements: the tags its rights depend on, and that a
// caller could write.
func (s *Subject) tagDependentKeys() []string { return s.tagKeys(false) }

// grantingTagKeys are the tag-dependent keys whose presence may grant a right: every one but
// those the Allow statements only require to be absent (Null = "true"), which adding can only
// take rights away from (deleting it is another matter).
func (s *Subject) grantingTagKeys() []string { return s.tagKeys(true) }

func (s *Subject) tagKeys(granting bool) []string {
	var keys []string
	seen := map[string]bool{}
	// The boundary's conditions count too: an ABAC boundary makes every right tag-based.
	for _, d := range append(slices.Clone(s.Identity), s.Boundary...) {
		for _, st := range d.Statements {
			for _, c := range st.Conditions {
				// A Deny unless a tag matches (StringNotEquals ec2:ResourceTag/Owner
				// ${aws:username}) is an ownership gate: the tag decides the right as an
				// Allow's condition does. A Deny when a tag has some value is not.
				if st.Effect != policy.Allow && !(st.Effect == policy.Deny && c.Op.Family.Negated()) {
					continue
				}
				absent := strings.EqualFold(c.Operator, "Null") && len(c.Values) == 1 && strings.EqualFold(c.Values[0], "true")
				// Tag keys starting with "aws:" are reserved: nobody can create or delete them.
				if k, ok := resourceTagKey(c.Key); ok && !(granting && absent) && !strings.HasPrefix(strings.ToLower(k), "aws:") && !seen[strings.ToLower(k)] {
					seen[strings.ToLower(k)] = true
					keys = append(keys, k)
				}
			}
		}
	}
	return keys
}

func resourceTagKey(key string) (string, bool) {
	for _, p := range []string{"ec2:resourcetag/", "aws:resourcetag/"} {
		if len(key) > len(p) && strings.EqualFold(key[:len(p)], p) {
			return key[len(p):], true
		}
	}
	return "", false
}
