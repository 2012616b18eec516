package checks

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ec2guard/ec2guard/iam/eval"
	"github.com/ec2guard/ec2guard/iam/policy"
)

// Witness is a concrete request that the principal's policies allow: the evidence of a
// finding. The check finds it on the policies with the conditions it does not judge set
// aside; the witness then carries values for those conditions (MFA, source IP, ...) and is
// decided again by the evaluator iam simulate uses, on the policies as written.
type Witness struct {
	Principal string              `json:"principal,omitempty"`
	Action    string              `json:"action"`
	Resource  string              `json:"resource"`
	Context   map[string][]string `json:"context,omitempty"`
	// Confirmed says the evaluator allows the request on the policies as written.
	Confirmed bool `json:"confirmed"`
	// Deciding are the statements that allow it (policy, statement, location), or, when not
	// confirmed, the ones that deny it.
	Deciding []string `json:"deciding,omitempty"`
	// Note says why a witness is not confirmed: a condition whose value the check could not
	// choose, so the grant holds only for some requests the check does not model.
	Note string `json:"note,omitempty"`
}

// Request is the witness as an evaluator request.
func (w *Witness) Request() eval.Request {
	return eval.Request{Principal: w.Principal, Action: w.Action, Resource: w.Resource, Context: w.Context}
}

// witness builds and confirms the witness of a probe that the rewritten policies allow:
// values for the conditions of the allowing statements that the query set aside, then, as
// long as a Deny the query set aside applies, values that defeat its conditions.
func (s *Subject) witness(action string, p probe, d eval.Decision) (Witness, error) {
	ev, err := s.original()
	if err != nil {
		return Witness{}, err
	}
	base := eval.Context{}
	for k, v := range p.context {
		base[k] = v
	}
	principal := s.arn()
	if principal != "" {
		base = eval.PrincipalKeys(base, principal)
	}
	// Each allowing statement is tried on its own: the values one needs may defeat another.
	var tries []eval.Context
	for _, ref := range d.Deciding {
		if st := s.statementOf(ref); st != nil && st.Effect == policy.Allow {
			ctx := cloneContext(base)
			for _, c := range st.Conditions {
				if _, set := ctx.Lookup(c.Key); !set {
					if v, ok := satisfy(&c, ctx); ok && v != nil {
						ctx[c.Key] = v
					}
				}
			}
			tries = append(tries, ctx)
		}
	}
	if len(tries) == 0 {
		tries = append(tries, base)
	}
	var w Witness
	for _, ctx := range tries {
		w = Witness{Principal: principal, Action: action, Resource: p.resource, Context: ctx}
		for range 4 {
			dec := ev.Evaluate(w.Request())
			w.Deciding = describe(dec.Deciding)
			if dec.Effect == eval.Allowed {
				w.Confirmed, w.Note = true, ""
				if len(w.Context) == 0 {
					w.Context = nil
				}
				return w, nil
			}
			w.Note = "denied by the policies as written (" + dec.Effect.String() + "): the grant depends on a condition the check does not choose a value for"
			if dec.Effect != eval.ExplicitDeny || !s.defeat(ctx, dec.Deciding) {
				break
			}
		}
	}
	if len(w.Context) == 0 {
		w.Context = nil
	}
	return w, nil
}

// arn is the principal's ARN: as given, or for a template's user or role the ARN it
// would have in the account the template's pseudo parameters stand for; "" for a
// standalone policy.
func (s *Subject) arn() string {
	switch {
	case strings.HasPrefix(s.Principal, "arn:"):
		return s.Principal
	case s.Principal != "" && (s.Kind == "user" || s.Kind == "role") && s.Name != "":
		return "arn:aws:iam::123456789012:" + s.Kind + "/" + s.Name
	}
	return ""
}

func cloneContext(c eval.Context) eval.Context {
	out := make(eval.Context, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

// resolveVars substitutes the policy variables of a condition value from the witness's
// context; a variable the context lacks gets a fresh value there (the request carries it:
// a principal tag, the caller's account), so the condition can be met.
func resolveVars(v string, ctx eval.Context) (string, bool) {
	var b strings.Builder
	for {
		i := strings.Index(v, "${")
		if i < 0 {
			b.WriteString(v)
			return b.String(), true
		}
		j := strings.IndexByte(v[i:], '}')
		if j < 0 {
			return "", false
		}
		b.WriteString(v[:i])
		name := strings.TrimSpace(v[i+2 : i+j])
		switch name {
		case "*", "?", "$":
			b.WriteString(name)
		default:
			key, def, hasDef := strings.Cut(name, ",")
			key = strings.TrimSpace(key)
			vals, ok := ctx.Lookup(key)
			switch {
			case ok && len(vals) == 1:
				b.WriteString(vals[0])
			case hasDef:
				b.WriteString(strings.Trim(strings.TrimSpace(def), "'"))
			case !ok:
				ctx[key] = []string{"ec2guard-witness"}
				b.WriteString("ec2guard-witness")
			default:
				return "", false
			}
		}
		v = v[i+j+1:]
	}
}

// defeat sets, for each denying statement, a key of one of its conditions to a value that
// makes it fail; false when none could be set.
func (s *Subject) defeat(ctx eval.Context, denies []eval.StatementRef) bool {
	changed := false
	for _, ref := range denies {
		st := s.statementOf(ref)
		if st == nil {
			continue
		}
		for _, c := range st.Conditions {
			if _, set := ctx.Lookup(c.Key); set {
				continue
			}
			if v, ok := falsify(&c); ok {
				ctx[c.Key] = v
				changed = true
				break
			}
		}
	}
	return changed
}

// original is the subject's policies as written, compiled once.
func (s *Subject) original() (*eval.Evaluator, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.asWritten != nil {
		return s.asWritten, nil
	}
	ev, err := eval.Compile(eval.PolicySet{Identity: s.Identity, Boundary: s.Boundary})
	if err != nil {
		return nil, fmt.Errorf("compiling the policies of %s: %w", s.Label(), err)
	}
	s.asWritten = ev
	return ev, nil
}

// statementOf finds the statement a decision names, in the rewritten ("#i", "boundary#i")
// or the original documents.
func (s *Subject) statementOf(ref eval.StatementRef) *policy.Statement {
	var docs []*policy.Document
	switch ref.Layer {
	case eval.LayerIdentity:
		docs = s.Identity
	case eval.LayerBoundary:
		docs = s.Boundary
	default:
		return nil
	}
	var i int
	name := strings.TrimPrefix(ref.Policy, "boundary")
	if _, err := fmt.Sscanf(name, "#%d", &i); err != nil || i < 0 || i >= len(docs) {
		i = -1
		for j, d := range docs {
			if d.Name == ref.Policy {
				i = j
			}
		}
		if i < 0 {
			return nil
		}
	}
	for _, st := range docs[i].Statements {
		if st.Index == ref.Index {
			return st
		}
	}
	return nil
}

func describe(refs []eval.StatementRef) []string {
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		sid := r.Sid
		if sid == "" {
			sid = fmt.Sprintf("#%d", r.Index)
		}
		out = append(out, fmt.Sprintf("%s %s, statement %s at %s", r.Layer, r.Policy, sid, r.Loc))
	}
	return out
}

// satisfy returns request values under which the condition holds: nil for "leave the key
// out" (negated operators, IfExists, ForAllValues and Null true hold on an absent key).
func satisfy(c *policy.Condition, ctx eval.Context) ([]string, bool) {
	op := c.Op
	if len(c.Values) == 0 {
		return nil, false
	}
	if op.Family == policy.Null {
		if strings.EqualFold(strings.TrimSpace(c.Values[0]), "true") {
			return nil, true
		}
		return []string{"ec2guard-witness"}, true
	}
	if op.IfExists || op.Set == policy.ForAllValues || negated(op.Family) {
		return nil, true
	}
	v, ok := resolveVars(c.Values[0], ctx)
	if !ok {
		return nil, false
	}
	f := op.Family
	switch {
	case f == policy.NumericEquals || f == policy.NumericLessThanEquals || f == policy.NumericGreaterThanEquals:
		return []string{v}, true
	case f == policy.NumericLessThan || f == policy.NumericGreaterThan:
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return nil, false
		}
		if f == policy.NumericLessThan {
			n--
		} else {
			n++
		}
		return []string{strconv.FormatFloat(n, 'f', -1, 64)}, true
	case f == policy.DateEquals || f == policy.DateLessThanEquals || f == policy.DateGreaterThanEquals:
		return []string{v}, true
	case f == policy.DateLessThan || f == policy.DateGreaterThan:
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
		if err != nil {
			return nil, false
		}
		if f == policy.DateLessThan {
			t = t.Add(-time.Hour)
		} else {
			t = t.Add(time.Hour)
		}
		return []string{t.UTC().Format(time.RFC3339)}, true
	case f == policy.IPAddress:
		p, err := netip.ParsePrefix(strings.TrimSpace(v))
		if err != nil {
			a, err := netip.ParseAddr(strings.TrimSpace(v))
			if err != nil {
				return nil, false
			}
			return []string{a.String()}, true
		}
		return []string{p.Masked().Addr().String()}, true
	}
	// String, Arn, Bool, Binary: the value itself, a wildcard standing for one character.
	return []string{strings.NewReplacer("*", "x", "?", "x").Replace(v)}, true
}

// falsify returns request values under which the condition fails.
func falsify(c *policy.Condition) ([]string, bool) {
	op := c.Op
	if len(c.Values) == 0 {
		return nil, false
	}
	switch op.Family {
	case policy.Null:
		if strings.EqualFold(strings.TrimSpace(c.Values[0]), "true") {
			return []string{"ec2guard-witness"}, true
		}
		return nil, false
	case policy.Bool:
		if strings.EqualFold(strings.TrimSpace(c.Values[0]), "true") {
			return []string{"false"}, true
		}
		return []string{"true"}, true
	}
	if negated(op.Family) {
		if op.Set == policy.ForAllValues || strings.Contains(c.Values[0], "${") {
			return nil, false
		}
		v, ok := satisfy(&policy.Condition{Op: policy.Operator{Family: positive(op.Family)}, Values: c.Values}, eval.Context{})
		return v, ok && v != nil
	}
	switch op.Family {
	case policy.StringEquals, policy.StringEqualsIgnoreCase, policy.StringLike, policy.ArnEquals, policy.ArnLike:
		return []string{"ec2guard-witness-unmatched"}, true
	}
	return nil, false
}

func negated(f policy.Family) bool { return positive(f) != f }

// positive is the operator a negated one negates, or f itself.
func positive(f policy.Family) policy.Family {
	if p, ok := positives[f]; ok {
		return p
	}
	return f
}

var positives = map[policy.Family]policy.Family{
	policy.StringNotEquals: policy.StringEquals, policy.StringNotEqualsIgnoreCase: policy.StringEqualsIgnoreCase,
	policy.StringNotLike: policy.StringLike, policy.NumericNotEquals: policy.NumericEquals,
	policy.DateNotEquals: policy.DateEquals, policy.NotIPAddress: policy.IPAddress,
	policy.ArnNotEquals: policy.ArnEquals, policy.ArnNotLike: policy.ArnLike,
}
