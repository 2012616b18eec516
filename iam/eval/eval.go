// Package eval decides IAM requests the way AWS does: identity and resource policies of
// the same account, permission boundaries, SCPs and session policies, explicit Deny
// first, conditions with AWS's rules for absent keys, and policy variables. Policies are
// compiled once; Decide and Evaluate are then safe for concurrent use.
package eval

import (
	"fmt"

	"github.com/ec2guard/ec2guard/iam/policy"
)

// Request is one API call to decide.
type Request struct {
	Principal string  // the caller's ARN (matched against resource policies' Principal)
	Action    string  // "service:Action", case-insensitive
	Resource  string  // the resource ARN, or "*"
	Context   Context // condition keys; aws:userid, aws:username, aws:PrincipalTag/k, ec2:ResourceTag/k, ...
}

// Effect is the outcome of a decision.
type Effect int

// Outcomes.
const (
	ImplicitDeny Effect = iota
	Allowed
	ExplicitDeny
)

func (e Effect) String() string {
	switch e {
	case Allowed:
		return "allowed"
	case ExplicitDeny:
		return "explicit-deny"
	}
	return "implicit-deny"
}

// Layer names a kind of policy.
type Layer int

// Policy layers, in the order AWS evaluates them.
const (
	LayerSCP Layer = iota
	LayerResource
	LayerIdentity
	LayerBoundary
	LayerSession
	numLayers
)

func (l Layer) String() string {
	return [...]string{"service control policy", "resource-based policy", "identity-based policy", "permissions boundary", "session policy"}[l]
}

// PolicySet is every policy that applies to the requests to decide. Each SCP document is
// one level of the organization: every level must allow.
type PolicySet struct {
	Identity []*policy.Document
	Boundary []*policy.Document // present: the boundary must also allow
	SCP      []*policy.Document
	Session  []*policy.Document // present: the session policy must also allow
	Resource []*policy.Document
}

// StatementRef identifies a statement that decided a request.
type StatementRef struct {
	Layer  Layer
	Policy string
	Sid    string
	Index  int
	Loc    policy.Location
}

// Decision is the full answer to a request.
type Decision struct {
	Effect Effect
	// Deciding are the statements that decided: the matching Deny statements for an
	// explicit deny, the matching Allow statements of each required layer when allowed.
	Deciding []StatementRef
	// Missing names the layer that had no matching Allow for an implicit deny.
	Missing Layer
	// ViaResource is set when a resource-based policy granted the access on its own.
	ViaResource bool
}

type statement struct {
	ref          StatementRef
	deny         bool
	actions      []pattern
	notAction    bool
	resources    []pattern // nil: the statement has no Resource element (any resource)
	notResource  bool
	principal    *policy.Principal
	notPrincipal bool
	conds        []condition
}

// Evaluator is a compiled PolicySet.
type Evaluator struct {
	layers [numLayers][][]statement // per layer, per document
}

// Compile prepares the policies for evaluation. Documents must have parsed without error.
func Compile(set PolicySet) (*Evaluator, error) {
	e := &Evaluator{}
	for _, l := range []struct {
		layer Layer
		docs  []*policy.Document
	}{{LayerSCP, set.SCP}, {LayerResource, set.Resource}, {LayerIdentity, set.Identity}, {LayerBoundary, set.Boundary}, {LayerSession, set.Session}} {
		for _, d := range l.docs {
			if d == nil {
				return nil, fmt.Errorf("compiling %s: nil document", l.layer)
			}
			e.layers[l.layer] = append(e.layers[l.layer], compileDoc(l.layer, d))
		}
	}
	return e, nil
}

func compileDoc(layer Layer, d *policy.Document) []statement {
	vars := d.Version == policy.Version2012
	out := make([]statement, 0, len(d.Statements))
	for _, s := range d.Statements {
		st := statement{
			ref:  StatementRef{Layer: layer, Policy: d.Name, Sid: s.Sid, Index: s.Index, Loc: s.Loc},
			deny: s.Effect == policy.Deny,
		}
		acts := s.Action
		if s.NotAction != nil {
			acts, st.notAction = s.NotAction, true
		}
		for _, a := range acts {
			st.actions = append(st.actions, compilePattern(a, true, false))
		}
		res := s.Resource
		if s.NotResource != nil {
			res, st.notResource = s.NotResource, true
		}
		if res != nil {
			st.resources = make([]pattern, 0, len(res))
			for _, r := range res {
				st.resources = append(st.resources, compilePattern(r, true, vars))
			}
		}
		st.principal = s.Principal
		if s.NotPrincipal != nil {
			st.principal, st.notPrincipal = s.NotPrincipal, true
		}
		for i := range s.Conditions {
			st.conds = append(st.conds, compileCondition(&s.Conditions[i], vars))
		}
		out = append(out, st)
	}
	return out
}

// applies reports how the statement matches the request, ignoring its effect: noMatch
// when it does not apply; otherwise, in a resource-based policy, how its Principal names
// the caller (directMatch elsewhere). In a resource-based policy an Allow that names the
// caller only through its account is trust in the account's own policies, not a grant: it
// applies only to Deny statements. A Deny with NotPrincipal applies to every caller with a
// permissions boundary, whatever it lists (AWS: NotPrincipal element reference, "Don't use
// resource-based policy statements that include a NotPrincipal policy element with a Deny
// effect for IAM users or roles that have a permissions boundary policy attached").
func (s *statement) applies(req *Request, resourceLayer, bounded bool) principalMatchKind {
	if s.effectiveMatchAction(req.Action) == s.notAction {
		return noMatch
	}
	if s.resources != nil {
		matched, resolved := s.matchResource(req)
		// AWS: a variable that cannot be resolved makes the whole statement invalid.
		if !resolved || matched == s.notResource {
			return noMatch
		}
	}
	m := directMatch
	if resourceLayer {
		if s.principal == nil {
			return noMatch
		}
		m = principalMatch(s.principal, req.Principal)
		switch {
		case s.notPrincipal && s.deny && bounded:
			m = starMatch
		case s.notPrincipal:
			if m != noMatch {
				return noMatch
			}
			m = starMatch
		case m == noMatch || (m == accountMatch && !s.deny):
			return noMatch
		}
	}
	for i := range s.conds {
		if !s.conds[i].eval(req.Context) {
			return noMatch
		}
	}
	return m
}

func (s *statement) effectiveMatchAction(action string) bool {
	for i := range s.actions {
		if globMatch(s.actions[i].toks, action, true, -1) {
			return true
		}
	}
	return false
}

func (s *statement) matchResource(req *Request) (matched, resolved bool) {
	var buf [8]tok
	for i := range s.resources {
		p := &s.resources[i]
		if p.raw == "*" {
			matched = true
			continue
		}
		toks, ok := p.resolve(req.Context, buf[:])
		if !ok {
			return false, false
		}
		if !matched && matchARN(toks, req.Resource) {
			matched = true
		}
	}
	return matched, true
}

// scan evaluates one layer: whether some statement denies, whether the layer allows (SCP:
// every document, that is every organization level, must allow; other layers: any
// document), and, for the resource layer, the closest naming of the caller among the
// Allows that apply.
func (e *Evaluator) scan(l Layer, req *Request, visit func(*statement)) (deny, allow bool, grant principalMatchKind) {
	docs := e.layers[l]
	bounded := len(e.layers[LayerBoundary]) > 0
	allowDocs := 0
	for d := range docs {
		docAllow := false
		for i := range docs[d] {
			s := &docs[d][i]
			m := s.applies(req, l == LayerResource, bounded)
			if m == noMatch {
				continue
			}
			if visit != nil {
				visit(s)
			}
			if s.deny {
				deny = true
				continue
			}
			docAllow = true
			if l == LayerResource {
				grant = max(grant, m)
			}
		}
		if docAllow {
			allowDocs++
		}
	}
	if l == LayerSCP {
		return deny, len(docs) > 0 && allowDocs == len(docs), noMatch
	}
	return deny, allowDocs > 0, grant
}

// Decide returns only the outcome; it does not allocate.
func (e *Evaluator) Decide(req Request) Effect {
	eff, _ := e.decide(&req, nil)
	return eff
}

// Evaluate returns the outcome with the statements that decided it.
func (e *Evaluator) Evaluate(req Request) Decision {
	var denies, allows [numLayers][]StatementRef
	var d Decision
	d.Effect, d.ViaResource = e.decide(&req, func(s *statement) {
		if s.deny {
			denies[s.ref.Layer] = append(denies[s.ref.Layer], s.ref)
		} else {
			allows[s.ref.Layer] = append(allows[s.ref.Layer], s.ref)
		}
	})
	switch d.Effect {
	case ExplicitDeny:
		for _, refs := range denies {
			d.Deciding = append(d.Deciding, refs...)
		}
	case Allowed:
		for l, refs := range allows {
			if l == int(LayerResource) && !d.ViaResource {
				continue
			}
			d.Deciding = append(d.Deciding, refs...)
		}
	case ImplicitDeny:
		d.Missing = e.missing(&req)
	}
	return d
}

// decide follows AWS's evaluation flow for requests within one account: an explicit Deny
// in any policy denies; then every SCP level must allow; an Allow in a resource-based
// policy grants on its own, limited as below by how it names the caller; otherwise an
// identity-based Allow is needed, limited by the permissions boundary and the session
// policy when present. The second result says the resource-based policy granted.
func (e *Evaluator) decide(req *Request, visit func(*statement)) (Effect, bool) {
	var allow [numLayers]bool
	grant, denied := noMatch, false
	for l := Layer(0); l < numLayers; l++ {
		d, a, g := e.scan(l, req, visit)
		denied = denied || d
		allow[l] = a
		grant = max(grant, g)
		if denied && visit == nil {
			return ExplicitDeny, false
		}
	}
	if denied {
		return ExplicitDeny, false
	}
	if len(e.layers[LayerSCP]) > 0 && !allow[LayerSCP] {
		return ImplicitDeny, false
	}
	bounded := len(e.layers[LayerBoundary]) == 0 || allow[LayerBoundary]
	sessioned := len(e.layers[LayerSession]) == 0 || allow[LayerSession]
	// How far a resource-based Allow reaches on its own (AWS policy evaluation logic,
	// "Session policies" and "Permissions boundaries"): one naming the caller's own ARN
	// (a session's own session ARN) is limited by neither; "*" is not limited by the
	// boundary but, for a session, by its session policy; one naming a session's role is
	// limited by both, as the role's identity policies are.
	switch {
	case grant == directMatch:
		return Allowed, true
	case grant == starMatch && sessioned:
		return Allowed, true
	case grant == roleMatch && sessioned && bounded:
		return Allowed, true
	}
	if !allow[LayerIdentity] || !bounded || !sessioned {
		return ImplicitDeny, false
	}
	return Allowed, false
}

// missing names the first required layer without an Allow.
func (e *Evaluator) missing(req *Request) Layer {
	for _, l := range []Layer{LayerSCP, LayerIdentity, LayerBoundary, LayerSession} {
		if len(e.layers[l]) == 0 && l != LayerIdentity {
			continue
		}
		if _, a, _ := e.scan(l, req, nil); !a {
			return l
		}
	}
	return LayerIdentity
}
