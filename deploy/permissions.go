package deploy

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

// arnOf is the ARN pattern of an EC2 resource type in the stack's account and region, for
// Fn::Sub. Snapshots and images carry no account in their ARN.
var arnOf = map[resource.Kind]string{
	resource.Instance:         "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/",
	resource.Volume:           "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:volume/",
	resource.NetworkInterface: "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-interface/",
	resource.Snapshot:         "arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/",
	resource.Image:            "arn:${AWS::Partition}:ec2:${AWS::Region}::image/",
	resource.LaunchTemplate:   "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:launch-template/",
	resource.SecurityGroup:    "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/",
	resource.VPC:              "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc/",
	resource.Subnet:           "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/",
	resource.Address:          "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:elastic-ip/",
}

// readActions are the reads the rules make: what every deployment's actions read
// (actions.ReadPermissions), and for each kind a rule judges, the kind's Describe (a scan
// lists it) and the calls of what the rule needs read of that kind (its timing's, and its
// filters' of that kind: rules.Rule.NeedsFor, as the engine reads it), from
// resource.ReadActions.
func readActions(set *rules.Set) []string {
	acts := slices.Clone(actions.ReadPermissions)
	for _, r := range set.Rules {
		for _, k := range r.Resources {
			acts = append(acts, resource.ReadActions(k, resource.NeedDescribe|r.Timing.Needs()|r.NeedsFor(k))...)
		}
	}
	slices.Sort(acts)
	return slices.Compact(acts)
}

// actionStatements are the policy statements the rules' actions need: one per rule and
// action (identical ones merged), EC2 grants narrowed to the resources the rule's filters
// allow — tag filters become ec2:ResourceTag conditions, id filters instance ARNs — and
// tag writes to the keys the rule writes (aws:TagKeys). ec2Only leaves out what acts
// outside EC2 (SNS), for a member account's remediation role.
func actionStatements(set *rules.Set, ec2Only bool) []map[string]any {
	var out []map[string]any
	seen := map[string]bool{}
	sids := map[string]bool{}
	for _, r := range set.Rules {
		for _, spec := range r.Actions {
			perms := actions.Permissions(spec.Name, spec.Params)
			if cfg, ok := spec.Config.(actions.Config); ok { // the loader's parse, variables filled
				perms = actions.PermissionsOf(cfg)
			}
			for _, p := range perms {
				if p.For != "" && !slices.Contains(r.Resources, p.For) {
					continue // the action's calls on a kind this rule does not judge
				}
				st := map[string]any{"Effect": "Allow", "Action": p.Actions}
				switch {
				case len(p.Resources) > 0:
					if ec2Only && !allEC2(p.Actions) {
						continue
					}
					st["Resource"] = p.Resources
					if len(p.Condition) > 0 {
						st["Condition"] = p.Condition
					}
				default:
					var ids []string
					if p.FilterScoped {
						ids = filterIDs(r.Filters)
					}
					var res []any
					for _, typ := range p.On {
						if typ == resource.Instance && ids != nil {
							for _, id := range ids {
								res = append(res, sub(arnOf[typ]+id))
							}
							continue
						}
						res = append(res, sub(arnOf[typ]+"*"))
					}
					st["Resource"] = res
					cond := map[string]map[string]any{}
					if p.FilterScoped {
						cond = tagConditions(r.Filters)
					}
					for op, m := range p.Condition {
						if cond[op] == nil {
							cond[op] = map[string]any{}
						}
						for k, v := range m {
							cond[op][k] = v
						}
					}
					if len(p.TagKeys) > 0 {
						cond["ForAllValues:StringEquals"] = map[string]any{"aws:TagKeys": p.TagKeys}
					}
					if len(cond) > 0 {
						st["Condition"] = cond
					}
					if len(p.TagKeys) > 0 && !p.Overwrite {
						out = appendOnce(out, seen, sids, r.Name+" "+spec.Name, addOnly(st, p.TagKeys)...)
						continue
					}
				}
				out = appendOnce(out, seen, sids, r.Name+" "+spec.Name, st)
			}
		}
		if !r.Grace.Zero() {
			out = appendOnce(out, seen, sids, r.Name+" grace", tagStatement(r, rules.PendingTag(r.Name)))
		}
		if r.Rechecks() {
			out = appendOnce(out, seen, sids, r.Name+" recheck", tagStatement(r, rules.RecheckTag(r.Name)))
		}
	}
	if !ec2Only {
		out = appendOnce(out, seen, sids, "owner map", ownerStatements(set)...) // owners.go
	}
	return out
}

// allEC2 says the actions are all EC2's (a member account's remediation role needs them).
func allEC2(acts []string) bool {
	return !slices.ContainsFunc(acts, func(a string) bool { return !strings.HasPrefix(a, "ec2:") })
}

// tagStatement lets the role write and remove one tag of ec2guard's own — the one that
// records a rule's pending actions (rules.PendingTag) or its re-check (rules.RecheckTag) — on
// the kinds the rule judges, and no other key: exactly that key, ForAllValues (no other) and
// ForAnyValue (ForAllValues holds of no keys at all).
func tagStatement(r *rules.Rule, key string) map[string]any {
	var res []any
	for _, k := range r.Resources {
		if arn, ok := arnOf[k]; ok {
			res = append(res, sub(arn+"*"))
		}
	}
	keys := []string{key}
	return map[string]any{
		"Effect": "Allow", "Action": []string{"ec2:CreateTags", "ec2:DeleteTags"}, "Resource": res,
		"Condition": map[string]map[string]any{
			"ForAllValues:StringEquals": {"aws:TagKeys": keys},
			"ForAnyValue:StringEquals":  {"aws:TagKeys": keys},
		},
	}
}

// appendOnce appends the statements not already in out (identical ones merged), each with a
// Sid made of name.
func appendOnce(out []map[string]any, seen, sids map[string]bool, name string, sts ...map[string]any) []map[string]any {
	for _, st := range sts {
		key, _ := json.Marshal(st)
		if seen[string(key)] {
			continue
		}
		seen[string(key)] = true
		st["Sid"] = logicalID("", name, sids)
		out = append(out, st)
	}
	return out
}

// addOnly splits a tag grant into one statement per key that lets the role add that key, and
// only where the resource lacks it: IAM then refuses, atomically, a CreateTags that would
// overwrite an owner (aws:TagKeys alone limits which keys, not whether they exist). Each
// statement holds when the request's keys are exactly [KEY] — ForAllValues (no other key),
// and ForAnyValue, since ForAllValues holds of a request with no keys at all — and
// ec2:ResourceTag/KEY is absent (Null). The action sends one CreateTags per key to match.
func addOnly(st map[string]any, keys []string) []map[string]any {
	var out []map[string]any
	for _, k := range keys {
		cond := map[string]any{}
		if c, ok := st["Condition"].(map[string]map[string]any); ok {
			for op, m := range c {
				cond[op] = m
			}
		}
		cond["ForAllValues:StringEquals"] = map[string]any{"aws:TagKeys": []string{k}}
		cond["ForAnyValue:StringEquals"] = map[string]any{"aws:TagKeys": []string{k}}
		null := map[string]any{"ec2:ResourceTag/" + k: "true"}
		if n, ok := cond["Null"].(map[string]any); ok {
			for nk, v := range n {
				null[nk] = v
			}
		}
		cond["Null"] = null
		out = append(out, map[string]any{"Effect": st["Effect"], "Action": st["Action"], "Resource": st["Resource"], "Condition": cond})
	}
	return out
}

// filterIDs returns the instance ids the rule's id filters allow (nil: any).
func filterIDs(fs []rules.Filter) []string {
	var ids []string
	for _, f := range fs {
		if f.Kind != rules.FilterID {
			continue
		}
		if ids == nil {
			ids = slices.Clone(f.Values)
			continue
		}
		ids = slices.DeleteFunc(ids, func(id string) bool { return !slices.Contains(f.Values, id) })
	}
	if ids != nil && len(ids) == 0 {
		return []string{"none"} // contradictory filters: nothing
	}
	return ids
}

// tagConditions turns the rule's tag filters into IAM conditions on ec2:ResourceTag. A glob
// IAM cannot express (character classes, escapes) is left out: the grant is then wider than
// the filter, never narrower, and the filter still decides at run time.
func tagConditions(fs []rules.Filter) map[string]map[string]any {
	cond := map[string]map[string]any{}
	put := func(op, key string, v any) {
		if cond[op] == nil {
			cond[op] = map[string]any{}
		}
		cond[op][key] = v
	}
	equals := map[string][]string{}
	for _, f := range fs {
		if f.Kind != rules.FilterTag {
			continue
		}
		key := "ec2:ResourceTag/" + f.Tag
		switch f.Op {
		case rules.TagEquals, rules.TagOneOf:
			if prev, ok := equals[key]; ok {
				equals[key] = slices.DeleteFunc(slices.Clone(prev), func(v string) bool { return !slices.Contains(f.Values, v) })
			} else {
				equals[key] = slices.Clone(f.Values)
			}
		case rules.TagPresent:
			put("Null", key, "false")
		case rules.TagAbsent:
			put("Null", key, "true")
		case rules.TagGlob:
			if !slices.ContainsFunc(f.Values, func(g string) bool { return strings.ContainsAny(g, `[]\`) }) {
				put("StringLike", key, slices.Clone(f.Values))
			}
		}
	}
	for key, vs := range equals {
		if len(vs) == 0 {
			vs = []string{""} // contradictory filters: no tag value satisfies them
		}
		put("StringEquals", key, vs)
	}
	return cond
}
