package checks

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/ec2guard/ec2guard/iam/catalog"
	"github.com/ec2guard/ec2guard/iam/eval"
	"github.com/ec2guard/ec2guard/iam/policy"
)

var retagActions = []string{"ec2:CreateTags", "ec2:DeleteTags"}

var ec2Retag = &Check{
	ID:       "IAM-EC2-6",
	Title:    "Tags that grant access can be rewritten",
	Severity: Critical,
	Scope:    ScopePrincipal,
	Rationale: "When a principal's rights depend on resource tags (an Allow conditioned on ec2:ResourceTag/* or " +
		"aws:ResourceTag/*, a Deny unless such a tag matches, either in its policies or its permissions boundary), the " +
		"tags are its access control. If it may also create or delete those tags on any " +
		"instance, it can re-tag someone else's instance (PrincipalId = its own user id) and then stop, terminate " +
		"or modify it: a two-step takeover (seed 004). The check tries, for every tag key the principal's rights " +
		"depend on, to set that key on an untagged instance to the principal's own id, alone and together with the " +
		"other tags the policies ask for or allow (one required aws:RequestTag key, or ForAnyValue aws:TagKeys, says " +
		"nothing of the key written beside it); a condition on " +
		"aws:RequestTag, aws:TagKeys, ec2:CreateAction or the instance's tags or attributes that prevents it scopes " +
		"the grant. Tag keys starting with \"aws:\" are reserved to AWS and cannot be written, so rights that " +
		"depend only on them are not at risk.",
	Remediation: "Do not grant ec2:CreateTags/ec2:DeleteTags unscoped to principals whose access is tag-based: allow " +
		"tagging only at creation (Condition StringEquals ec2:CreateAction = RunInstances), only of keys that grant " +
		"nothing (ForAllValues:StringEquals aws:TagKeys), or only on resources the principal already owns; let " +
		"automation apply ownership tags.",
	References: []string{
		"https://aws.amazon.com/blogs/security/how-to-automatically-tag-amazon-ec2-resources-in-response-to-api-events/",
		"https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html",
	},
	Actions: retagActions,
	Good: []Example{
		{Name: "tagging at creation only", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*","Condition":{"StringEquals":{"ec2:ResourceTag/PrincipalId":"${aws:userid}"}}},{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringEquals":{"ec2:CreateAction":"RunInstances"}}}]}`},
		{Name: "only harmless keys", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*","Condition":{"StringEquals":{"ec2:ResourceTag/PrincipalId":"${aws:userid}"}}},{"Effect":"Allow","Action":["ec2:CreateTags","ec2:DeleteTags"],"Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["Name","CostCenter"]}}}]}`},
		{Name: "adding a key the rights need absent", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*","Condition":{"Null":{"ec2:ResourceTag/Keep":"true"}}},{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["Keep"]}}}]}`},
		{Name: "tagging without tag-based rights", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:CreateTags","ec2:StopInstances"],"Resource":"*"}]}`},
	},
	Bad: []Example{
		{Name: "seed 004 plus CreateTags", Policy: `{"Version":"2012-10-17","Statement":[{"Sid":"AllowActionsIfYouAreTheOwner","Effect":"Allow","Action":["ec2:StopInstances","ec2:StartInstances","ec2:RebootInstances","ec2:TerminateInstances"],"Condition":{"StringEquals":{"ec2:ResourceTag/PrincipalId":"${aws:userid}"}},"Resource":["*"]},{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*"}]}`},
		{Name: "request tag pinned to the caller is still a takeover", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Owner":"${aws:username}"}}},{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/Owner":"${aws:username}"}}}]}`},
	},
	principal: retag,
}

// The caller the probe pretends to be: it sets the tag to its own identity.
const probeUserID, probeUserName = "AIDAEC2GUARDPROBE", "ec2guard-probe"

var retagQuery = &query{name: "retag", actions: retagActions, probes: retagProbes}

func retag(env *Env, s *Subject) ([]Finding, error) {
	keys := s.tagDependentKeys()
	if len(keys) == 0 {
		return nil, nil
	}
	// The instance's own attributes (tags, ec2:ManagedResourceOperator, ...) scope which
	// instances can be re-tagged; the request's tag keys, values and creating action scope
	// what can be written.
	q := *retagQuery
	q.modelled = resourceKeys(env, "aws:RequestTag/", "aws:TagKeys", "ec2:CreateAction", "aws:userid", "aws:username")
	gs, err := q.run(env, s)
	if err != nil {
		return nil, err
	}
	return findings(s, gs, func(acts []string) string {
		return fmt.Sprintf("%s has rights that depend on resource tags (%s) and may %s on any instance: it can re-tag an instance it does not own and take it over",
			who(s), strings.Join(keys, ", "), strings.Join(acts, " and "))
	}), nil
}

func retagProbes(_ *Env, s *Subject, a *catalog.Action) [][]probe {
	var ps []probe
	keys := s.tagDependentKeys()
	if strings.EqualFold(a.Name, "CreateTags") {
		keys = s.grantingTagKeys() // adding a key the rights need absent grants nothing
	}
	create := strings.EqualFold(a.Name, "CreateTags")
	others := s.otherRequestTags()
	for _, k := range keys {
		// The new value is the caller's own identity, in either form a policy may compare
		// it with.
		for _, v := range []string{probeUserID, probeUserName} {
			ctx := eval.Context{"aws:TagKeys": {k}, "aws:userid": {probeUserID}, "aws:username": {probeUserName}}
			if create {
				ctx["aws:RequestTag/"+k] = []string{v}
			}
			ps = append(ps, s.freshProbes(a.Service, "instance", ctx)...)
			// The key written together with the tags the policies ask for or allow: a grant
			// that requires one aws:RequestTag key, or ForAnyValue aws:TagKeys of another key,
			// says nothing of the access key written beside it.
			with := cloneContext(ctx)
			for _, other := range slices.Sorted(maps.Keys(others)) {
				if strings.EqualFold(other, k) {
					continue
				}
				with["aws:TagKeys"] = append(slices.Clone(with["aws:TagKeys"]), other)
				if create {
					with["aws:RequestTag/"+other] = []string{others[other]}
				}
			}
			if len(with["aws:TagKeys"]) > 1 {
				ps = append(ps, s.freshProbes(a.Service, "instance", with)...)
			}
		}
	}
	return [][]probe{ps}
}

// otherRequestTags are the tag keys the subject's conditions name for a request's tags
// (aws:RequestTag/KEY, and the literal values of aws:TagKeys conditions), each with a value
// that meets the first condition naming it.
func (s *Subject) otherRequestTags() map[string]string {
	out := map[string]string{}
	probeCtx := eval.Context{"aws:userid": {probeUserID}, "aws:username": {probeUserName}}
	for _, d := range append(slices.Clone(s.Identity), s.Boundary...) {
		for _, st := range d.Statements {
			if st.Effect != policy.Allow {
				continue
			}
			for _, c := range st.Conditions {
				if k, ok := cutPrefixFold(c.Key, "aws:RequestTag/"); ok && k != "" {
					if _, seen := out[k]; !seen {
						v := "ec2guard-witness"
						if vals, ok := satisfy(&c, probeCtx); ok && len(vals) > 0 {
							v = vals[0]
						}
						out[k] = v
					}
				}
				if strings.EqualFold(c.Key, "aws:TagKeys") && !c.Op.Family.Negated() {
					for _, v := range c.Values {
						if _, seen := out[v]; !seen && !strings.ContainsAny(v, "*?$") {
							out[v] = "ec2guard-witness"
						}
					}
				}
			}
		}
	}
	return out
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return "", false
}
