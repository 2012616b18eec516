package checks

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/ec2guard/ec2guard/iam/catalog"
)

// sensitiveActions are the seed's IAM-EC2-4 actions (003), without its
// "ec2:InstanceSecurityGroup", which is not an action (IAM-POLICY-1 reports it).
var sensitiveActions = []string{
	"ec2:AttachVolume", "ec2:CopyImage", "ec2:CopyFpgaImage", "ec2:CreateFpgaImage", "ec2:CreateImage",
	"ec2:DeleteFpgaImage", "ec2:DeregisterImage", "ec2:DisassociateAddress", "ec2:DisassociateIamInstanceProfile",
	"ec2:ModifyFpgaImageAttribute", "ec2:ModifyImageAttribute", "ec2:ReplaceIamInstanceProfileAssociation",
}

var ec2Sensitive = &Check{
	ID:       "IAM-EC2-4",
	Title:    "Sensitive EC2 actions are not scoped",
	Severity: Medium,
	Scope:    ScopePrincipal,
	Rationale: "These actions are needed often, in development especially, but they copy and share images, attach volumes " +
		"to other instances, and swap instance profiles (the credentials an instance runs with). Granted on every " +
		"resource of the kinds they act on, without a condition on those resources, they reach data and " +
		"credentials of workloads the principal does not own.",
	Remediation: "Scope each action to the resources it is meant for: named ARNs, or conditions on the resource " +
		"(ec2:ResourceTag/*, aws:ResourceTag/*, or the resource's own keys such as ec2:InstanceProfile or ec2:Owner).",
	References: []string{
		"https://docs.aws.amazon.com/IAM/latest/UserGuide/list_amazonec2.html#amazonec2-policy-keys",
		"https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Operations.html",
	},
	Actions: sensitiveActions,
	Good: []Example{
		{Name: "tag scoped", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:AttachVolume","ec2:CreateImage"],"Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Team":"data"}}}]}`},
		{Name: "one volume", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:AttachVolume","Resource":["arn:aws:ec2:us-east-1:111122223333:volume/vol-0123","arn:aws:ec2:us-east-1:111122223333:instance/*"]}]}`},
	},
	Bad: []Example{
		{Name: "copy any image", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:CopyImage","Resource":"*"}]}`},
		{Name: "swap instance profiles", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:ReplaceIamInstanceProfileAssociation","ec2:DisassociateIamInstanceProfile"],"Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}]}`},
	},
	principal: sensitive,
}

var sensitiveQuery = &query{name: "resource-keys", actions: sensitiveActions, probes: everyRequiredResource}

// sensitive: every resource the action needs is reachable with a wildcard id and no
// condition on that resource.
func sensitive(env *Env, s *Subject) ([]Finding, error) {
	q := *sensitiveQuery
	q.modelled = resourceKeys(env)
	gs, err := q.run(env, s)
	if err != nil {
		return nil, err
	}
	return findings(s, gs, func(acts []string) string {
		return fmt.Sprintf("%s may %s on every resource they act on, without a resource condition", who(s), strings.Join(acts, ", "))
	}), nil
}

var (
	resourceKeysOnce sync.Once
	resourceKeysList []string
)

// resourceKeys are the condition keys that describe an EC2 resource (not the request): those
// the catalog lists for EC2's resource types other than aws:RequestTag and aws:TagKeys, plus
// aws:ResourceTag/*. A condition on one of them limits which resources a grant reaches.
func resourceKeys(env *Env, extra ...string) func(string) bool {
	resourceKeysOnce.Do(func() {
		keys := []string{"aws:ResourceTag/"}
		if ec2, ok := env.Catalog.Service("ec2"); ok {
			seen := map[string]bool{}
			for _, rt := range ec2.ResourceTypes {
				for _, k := range rt.ConditionKeys {
					if strings.HasPrefix(k, "aws:") {
						continue
					}
					if i := strings.Index(k, "${"); i >= 0 {
						k = k[:i]
					}
					if !seen[k] {
						seen[k] = true
						keys = append(keys, k)
					}
				}
			}
			sort.Strings(keys)
		}
		resourceKeysList = keys
	})
	return keyIn(append(append([]string(nil), resourceKeysList...), extra...)...)
}

// everyRequiredResource: one group per resource type the action requires (all of them
// must be reachable unscoped), or its first resource type when none is required.
func everyRequiredResource(_ *Env, s *Subject, a *catalog.Action) [][]probe {
	var groups [][]probe
	for _, r := range a.Resources {
		if r.Required {
			groups = append(groups, s.freshProbes(a.Service, r.Type, nil))
		}
	}
	if len(groups) == 0 {
		if len(a.Resources) > 0 {
			return [][]probe{s.freshProbes(a.Service, a.Resources[0].Type, nil)}
		}
		return [][]probe{{{resource: "*"}}}
	}
	return groups
}
