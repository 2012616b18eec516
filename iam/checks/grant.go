package checks

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/ec2guard/ec2guard/iam/catalog"
	"github.com/ec2guard/ec2guard/iam/eval"
	"github.com/ec2guard/ec2guard/iam/policy"
)

// How a principal check asks "is this access really granted?": it builds hypothetical
// requests (probes) and asks the one evaluator, iam/eval, to decide them against the
// subject's policies.
//
// A probe's resource has the literal id "*" (arn:aws:ec2:us-east-1:123456789012:instance/*):
// only patterns that leave the id open match it, so a grant scoped to named resources does
// not count as unscoped. A check names the condition keys that scope the access it is
// about ("modelled" keys); the probe's context holds only the values the check wants to try.
// Conditions on other keys say nothing about the resources reached, so the policies are
// rewritten before compiling: an Allow drops those conditions (the caller can satisfy them:
// MFA, source IP, region), and a Deny that has one is left out (it may not apply). Conditions
// on modelled keys stay and are evaluated against the probe's context, where an absent tag
// fails a positive operator (StringEquals ec2:ResourceTag/Owner ...) and satisfies a negated
// one — an untagged instance is reachable through StringNotEquals.

// probe is one hypothetical request.
type probe struct {
	resource string
	context  eval.Context
}

// query is what a principal check asks.
type query struct {
	name     string            // identifies the rewritten policies in the subject's cache
	actions  []string          // concrete actions
	modelled func(string) bool // condition keys that scope the access
	// probes returns the requests to try for an action, in groups: the action is granted
	// when every group has an allowed probe (one group per resource the action needs).
	probes func(env *Env, s *Subject, a *catalog.Action) [][]probe
}

// grant is an action the subject really has, with the identity statement that grants it.
type grant struct {
	action   string
	doc      *policy.Document
	stmt     *policy.Statement
	resource string
	witness  []Witness
}

func (q *query) run(env *Env, s *Subject) ([]grant, error) {
	var cands []*catalog.Action
	for _, name := range q.actions {
		if !s.allows(name) {
			continue
		}
		a, ok := env.Catalog.Action(name)
		if !ok {
			return nil, fmt.Errorf("check action %s is not in the catalog", name)
		}
		cands = append(cands, a)
	}
	if len(cands) == 0 {
		return nil, nil
	}
	ev, err := s.evaluator(q)
	if err != nil {
		return nil, err
	}
	var out []grant
	for _, a := range cands {
		var first []grant
		var witness []Witness
		granted := true
		for _, group := range q.probes(env, s, a) {
			ok := false
			for _, p := range group {
				d := ev.Evaluate(eval.Request{Principal: s.Principal, Action: a.FullName(), Resource: p.resource, Context: s.probeContext(p.context)})
				if d.Effect == eval.Allowed {
					ok = true
					if first == nil {
						first = s.decidingGrants(a.FullName(), p.resource, d)
					}
					w, err := s.witness(a.FullName(), p, d)
					if err != nil {
						return nil, err
					}
					witness = append(witness, w)
					break
				}
			}
			if !ok {
				granted = false
				break
			}
		}
		if granted {
			for i := range first {
				first[i].witness = witness
			}
			out = append(out, first...)
		}
	}
	return out, nil
}

// decidingGrants maps the deciding identity statements back to the subject's documents:
// every statement that grants the access is reported, since removing one leaves the others.
func (s *Subject) decidingGrants(action, resource string, d eval.Decision) []grant {
	var out []grant
	for _, ref := range d.Deciding {
		if ref.Layer != eval.LayerIdentity {
			continue
		}
		var i int
		if _, err := fmt.Sscanf(ref.Policy, "#%d", &i); err != nil || i < 0 || i >= len(s.Identity) {
			continue
		}
		doc := s.Identity[i]
		for _, st := range doc.Statements {
			if st.Index == ref.Index {
				out = append(out, grant{action: action, doc: doc, stmt: st, resource: resource})
			}
		}
	}
	return out
}

// evaluator compiles the subject's policies rewritten for the query's modelled keys, once
// per query name.
func (s *Subject) evaluator(q *query) (*eval.Evaluator, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev, ok := s.cache[q.name]; ok {
		return ev, nil
	}
	set := eval.PolicySet{}
	modelled := q.modelled
	if s.arn() != "" {
		// The keys AWS sets from the caller's ARN are known for a known principal: a Deny
		// unless aws:PrincipalArn is some role decides for this one.
		modelled = func(k string) bool { return q.modelled(k) || principalKey(k) }
	}
	for i, d := range s.Identity {
		set.Identity = append(set.Identity, rewrite(d, fmt.Sprintf("#%d", i), modelled))
	}
	for i, d := range s.Boundary {
		set.Boundary = append(set.Boundary, rewrite(d, fmt.Sprintf("boundary#%d", i), modelled))
	}
	ev, err := eval.Compile(set)
	if err != nil {
		return nil, fmt.Errorf("compiling the policies of %s: %w", s.Label(), err)
	}
	if s.cache == nil {
		s.cache = map[string]*eval.Evaluator{}
	}
	s.cache[q.name] = ev
	return ev, nil
}

func rewrite(d *policy.Document, name string, modelled func(string) bool) *policy.Document {
	out := *d
	out.Name = name
	out.Statements = make([]*policy.Statement, 0, len(d.Statements))
	for _, st := range d.Statements {
		if !usable(st) {
			continue
		}
		var keep []policy.Condition
		dropped := false
		for _, c := range st.Conditions {
			if modelled(c.Key) {
				keep = append(keep, c)
			} else {
				dropped = true
			}
		}
		if dropped && st.Effect == policy.Deny {
			continue
		}
		cp := *st
		cp.Conditions = keep
		// Principal elements belong to resource-based policies; in an identity policy they
		// would make the evaluator's identity layer ignore nothing, so they are left out.
		cp.Principal, cp.NotPrincipal = nil, nil
		out.Statements = append(out.Statements, &cp)
	}
	return &out
}

// principalKey reports the keys eval.PrincipalKeys sets from the caller's ARN.
var principalKey = keyIn("aws:PrincipalArn", "aws:PrincipalAccount", "aws:username")

// probeContext is a probe's context with the keys of a known principal's ARN.
func (s *Subject) probeContext(ctx eval.Context) eval.Context {
	if s.arn() == "" {
		return ctx
	}
	return eval.PrincipalKeys(ctx, s.arn())
}

// keyIn returns a modelled-key predicate: exact keys and prefixes (ending in "/"),
// case-insensitive.
func keyIn(keys ...string) func(string) bool {
	return func(k string) bool {
		for _, m := range keys {
			if strings.HasSuffix(m, "/") {
				if len(k) > len(m) && strings.EqualFold(k[:len(m)], m) {
					return true
				}
			} else if strings.EqualFold(k, m) {
				return true
			}
		}
		return false
	}
}

var resourceTagKeys = []string{"ec2:ResourceTag/", "aws:ResourceTag/"}

// arnParts are the partition, region and account that probes use: those the subject's
// resource patterns name literally (a grant limited to one region still reaches every
// instance there), and a region and an account that no policy names (a Deny limited to one
// region or account leaves every other one to the Allow).
func (s *Subject) arnParts() [][3]string {
	s.freshMu.Lock()
	defer s.freshMu.Unlock()
	if s.parts == nil {
		s.parts = s.computeArnParts()
	}
	return s.parts
}

func (s *Subject) computeArnParts() [][3]string {
	seen := map[[3]string]bool{}
	named := map[string]bool{}
	var out [][3]string
	for _, d := range append(slices.Clone(s.Identity), s.Boundary...) {
		for _, st := range d.Statements {
			for _, r := range append(append([]string(nil), st.Resource...), st.NotResource...) {
				f := strings.SplitN(r, ":", 6)
				if len(f) < 6 || f[0] != "arn" {
					continue
				}
				named[f[3]], named[f[4]] = true, true
				p := [3]string{literalOr(f[1], "aws"), literalOr(f[3], "us-east-1"), literalOr(f[4], "123456789012")}
				if !seen[p] && len(out) < 8 {
					seen[p] = true
					out = append(out, p)
				}
			}
		}
	}
	fresh := [3]string{"aws", firstUnnamed(named, "us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1", "ca-central-1"),
		firstUnnamed(named, "123456789012", "210987654321", "314159265358", "271828182845")}
	if !seen[fresh] {
		out = append(out, fresh)
	}
	return out
}

func firstUnnamed(named map[string]bool, candidates ...string) string {
	for _, c := range candidates {
		if !named[c] {
			return c
		}
	}
	return candidates[len(candidates)-1]
}

func literalOr(v, def string) string {
	if v == "" || strings.ContainsAny(v, "*?$") {
		return def
	}
	return v
}

// unscopedARNs returns, for a resource type of the service, probe ARNs of a resource no
// policy names: a fresh id of the kind's own form (i-0…, ami-0…), so a pattern that covers
// every id of the kind (instance/i-*) covers it and one naming resources does not.
func (s *Subject) unscopedARNs(svc *catalog.Service, resourceType string) []string {
	rt := svc.ResourceTypes[resourceType]
	if rt == nil {
		return []string{"*"}
	}
	var out []string
	for _, p := range s.arnParts() {
		arn := fillARN(rt.ARN, p, freshID(resourceType))
		if prefix, ok := strings.CutSuffix(arn, freshID(resourceType)); ok {
			arn = prefix + s.freshIn(resourceType, prefix)
		}
		out = append(out, arn)
	}
	return out
}

// freshIDPrefixes are the id forms of EC2 resource types; others get a name-like id.
var freshIDPrefixes = map[string]string{
	"instance": "i-", "image": "ami-", "volume": "vol-", "snapshot": "snap-", "security-group": "sg-",
	"security-group-rule": "sgr-", "subnet": "subnet-", "vpc": "vpc-", "network-interface": "eni-",
	"network-acl": "acl-", "route-table": "rtb-", "internet-gateway": "igw-", "launch-template": "lt-",
	"elastic-ip": "eipalloc-", "key-pair": "key-", "placement-group": "pg-", "dhcp-options": "dopt-",
	"natgateway": "nat-", "vpc-endpoint": "vpce-", "transit-gateway": "tgw-", "prefix-list": "pl-",
}

// freshID is an id of the resource type that no policy names.
func freshID(resourceType string) string {
	const hex = "0e1c2d3b4a5f60718"
	if p, ok := freshIDPrefixes[resourceType]; ok {
		return p + hex
	}
	return "ec2guard-" + hex
}

// freshProbes are probes of a fresh resource of the type in each probe place, whose context
// holds ctx and the keys every resource of the type carries (ec2:ImageID and ec2:Owner of an
// image, ec2:InstanceID and ec2:Region of an instance), with values no policy names: a
// condition on such a key is a real scope, ...IfExists included, and a wildcard value that
// matches every value ("*") scopes nothing.
func (s *Subject) freshProbes(svc *catalog.Service, resourceType string, ctx eval.Context) []probe {
	arns := s.unscopedARNs(svc, resourceType)
	out := make([]probe, len(arns))
	for i, arn := range arns {
		c := cloneContext(ctx)
		f := strings.SplitN(arn, ":", 6)
		id := arn[strings.LastIndexByte(arn, '/')+1:]
		switch resourceType {
		case "image":
			c["ec2:ImageID"] = []string{id}
			c["ec2:Owner"] = []string{"999988887777"}
		case "instance":
			c["ec2:InstanceID"] = []string{id}
			if len(f) == 6 {
				c["ec2:Region"] = []string{f[3]}
			}
		}
		out[i] = probe{resource: arn, context: c}
	}
	return out
}

// fillARN fills an ARN template's ${Partition}, ${Region} and ${Account} with parts and
// every other variable with id.
func fillARN(tmpl string, parts [3]string, id string) string {
	var b strings.Builder
	for {
		i := strings.Index(tmpl, "${")
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		switch tmpl[i+2 : i+j] {
		case "Partition":
			b.WriteString(parts[0])
		case "Region":
			b.WriteString(parts[1])
		case "Account":
			b.WriteString(parts[2])
		default:
			b.WriteString(id)
		}
		tmpl = tmpl[i+j+1:]
	}
}

// instanceProbes: every instance, no tags, no request context — and, where the subject's
// conditions select instances by a tag's absence (Null ec2:ResourceTag/K = true, as a rule
// "stop instances without SPECIAL_EXCEPTION" needs), also an instance carrying those tags: a
// grant that refuses it is scoped by its tags, as one that refuses untagged instances is. A
// condition on a value that lets untagged instances through (StringEqualsIfExists) scopes
// nothing: it still reaches every untagged instance, by accident rather than by design.
func instanceProbes(_ *Env, s *Subject, a *catalog.Action) [][]probe {
	arns := s.unscopedARNs(a.Service, "instance")
	groups := [][]probe{arnProbes(arns, nil)}
	if ctx := s.taggedInstance(); len(ctx) > 0 {
		groups = append(groups, arnProbes(arns, ctx))
	}
	return groups
}

// taggedInstance is the request context of an instance carrying every tag whose absence a Null
// condition of the subject tests, each with a value no policy mentions.
func (s *Subject) taggedInstance() eval.Context {
	ctx := eval.Context{}
	for _, d := range append(slices.Clone(s.Identity), s.Boundary...) {
		for _, st := range d.Statements {
			for _, c := range st.Conditions {
				if !strings.EqualFold(c.Operator, "Null") {
					continue
				}
				lk := strings.ToLower(c.Key)
				for _, prefix := range resourceTagKeys {
					if tag, ok := strings.CutPrefix(lk, strings.ToLower(prefix)); ok && tag != "" {
						k := c.Key[len(prefix):]
						ctx["ec2:ResourceTag/"+k] = []string{"ec2guard-probe-unexpected"}
						ctx["aws:ResourceTag/"+k] = []string{"ec2guard-probe-unexpected"}
					}
				}
			}
		}
	}
	return ctx
}

func arnProbes(arns []string, ctx eval.Context) []probe {
	ps := make([]probe, len(arns))
	for i, arn := range arns {
		ps[i] = probe{resource: arn, context: ctx}
	}
	return ps
}

// tagScoped is the principal function of checks whose actions must be limited by a resource
// tag condition on instances (IAM-EC2-1, -7, -8).
func tagScoped(id string, actions []string, does string) func(*Env, *Subject) ([]Finding, error) {
	q := &query{name: "tags", actions: actions, modelled: keyIn(resourceTagKeys...), probes: instanceProbes}
	return func(env *Env, s *Subject) ([]Finding, error) {
		gs, err := q.run(env, s)
		if err != nil {
			return nil, err
		}
		return findings(s, gs, func(acts []string) string {
			return fmt.Sprintf("%s can %s every instance: %s is not limited by an ec2:ResourceTag or aws:ResourceTag condition or by instance ARNs", who(s), does, strings.Join(acts, ", "))
		}), nil
	}
}

// grantedAnywhere probes, for "may this principal do it at all": the unscoped ARN of each
// resource type of the action, and every Resource pattern of the subject's Allow statements
// that name it, made concrete.
func grantedAnywhere(_ *Env, s *Subject, a *catalog.Action) [][]probe {
	var arns []string
	for _, r := range a.Resources {
		arns = append(arns, s.unscopedARNs(a.Service, r.Type)...)
	}
	if len(a.Resources) == 0 {
		arns = append(arns, "*")
	}
	name := a.FullName()
	for _, d := range s.Identity {
		for _, st := range d.Statements {
			if st.Effect != policy.Allow || !usable(st) || !statementNames(st, name) {
				continue
			}
			for _, r := range st.Resource {
				arns = append(arns, concrete(r))
			}
		}
	}
	return [][]probe{arnProbes(arns, nil)}
}

// concrete turns a resource pattern into a resource it matches: wildcards and variables
// become "x".
func concrete(pattern string) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '*' || c == '?':
			b.WriteByte('x')
		case c == '$' && i+1 < len(pattern) && pattern[i+1] == '{':
			if j := strings.IndexByte(pattern[i:], '}'); j > 0 {
				b.WriteByte('x')
				i += j
				continue
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// findings groups grants by the statement that grants them: one finding per statement.
func findings(s *Subject, grants []grant, message func(actions []string) string) []Finding {
	type key struct {
		doc  *policy.Document
		stmt *policy.Statement
	}
	byStmt := map[key][]string{}
	witnessOf := map[key][]Witness{}
	var order []key
	for _, g := range grants {
		k := key{g.doc, g.stmt}
		if _, ok := byStmt[k]; !ok {
			order = append(order, k)
			witnessOf[k] = g.witness
		}
		if !contains(byStmt[k], g.action) {
			byStmt[k] = append(byStmt[k], g.action)
		}
	}
	out := make([]Finding, 0, len(order))
	for _, k := range order {
		acts := byStmt[k]
		sort.Strings(acts)
		out = append(out, Finding{
			Witness:   witnessOf[k],
			Principal: s.Principal,
			Policy:    k.doc.Name,
			Statement: k.stmt.Ref(),
			Actions:   acts,
			Resources: statementResources(k.stmt),
			Message:   message(acts),
			Loc:       k.stmt.Loc,
		})
	}
	return out
}

// statementResources lists Resource as written, or NotResource prefixed with "NOT ".
func statementResources(st *policy.Statement) []string {
	if st.NotResource != nil {
		out := make([]string, len(st.NotResource))
		for i, r := range st.NotResource {
			out[i] = "NOT " + r
		}
		return out
	}
	if st.Resource == nil {
		return []string{"*"}
	}
	return append([]string(nil), st.Resource...)
}

// who phrases the subject for messages.
func who(s *Subject) string {
	if s.Principal == "" {
		return "the policy"
	}
	return s.Kind + " " + s.Name
}

func matchesAny(patterns []string, action string) bool {
	for _, p := range patterns {
		if catalog.Match(p, action) {
			return true
		}
	}
	return false
}
