package checks

import (
	"fmt"
	"strings"

	"github.com/ec2guard/ec2guard/iam/catalog"
	"github.com/ec2guard/ec2guard/iam/eval"
	"github.com/ec2guard/ec2guard/iam/policy"
)

var runActions = []string{"ec2:RunInstances"}

var ec2RunImages = &Check{
	ID:       "IAM-EC2-2",
	Title:    "Instances can be launched from unapproved images",
	Severity: Medium,
	Scope:    ScopePrincipal,
	Rationale: "For hardening, vulnerability and configuration management, production instances should only be launched " +
		"from approved Amazon Machine Images. ec2:RunInstances allowed on every image (image/* or Resource \"*\") " +
		"without an ec2:ImageID, ec2:Owner or image tag condition lets the principal launch any public or shared AMI. " +
		"When the configuration lists approved AMIs or AMI owners, images and owners the policy names outside those " +
		"lists are reported too.",
	Remediation: "Scope the image resource of ec2:RunInstances to approved AMI ARNs " +
		"(arn:aws:ec2:REGION::image/ami-...), or add a condition on ec2:Owner, ec2:ImageID or ec2:ResourceTag/* " +
		"for the image; list the approved AMIs and owners in the configuration file.",
	References: []string{
		"https://aws.amazon.com/premiumsupport/knowledge-center/restrict-launch-tagged-ami/",
		"https://aws.amazon.com/blogs/aws/amazon-ec2-resource-level-permissions-for-runinstances/",
		"https://docs.aws.amazon.com/IAM/latest/UserGuide/list_amazonec2.html#amazonec2-ec2_ResourceTag___TagKey_",
	},
	Actions: runActions,
	Good: []Example{
		{Name: "approved image ARN", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":["arn:aws:ec2:us-east-1::image/ami-0abcdef1234567890","arn:aws:ec2:us-east-1:111122223333:instance/*","arn:aws:ec2:us-east-1:111122223333:volume/*","arn:aws:ec2:us-east-1:111122223333:network-interface/*","arn:aws:ec2:us-east-1:111122223333:subnet/*","arn:aws:ec2:us-east-1:111122223333:security-group/*"]}]}`},
		{Name: "owner condition on images", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:*::image/*","Condition":{"StringEquals":{"ec2:Owner":"111122223333"}}},{"Effect":"Allow","Action":"ec2:RunInstances","Resource":["arn:aws:ec2:*:111122223333:instance/*","arn:aws:ec2:*:111122223333:volume/*","arn:aws:ec2:*:111122223333:network-interface/*","arn:aws:ec2:*:111122223333:subnet/*","arn:aws:ec2:*:111122223333:security-group/*"]}]}`},
		{Name: "image tag condition", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:*::image/*","Condition":{"StringEquals":{"ec2:ResourceTag/Approved":"true"}}}]}`},
	},
	Bad: []Example{
		{Name: "any image (seed 004 LaunchEC2Instances)", Policy: `{"Version":"2012-10-17","Statement":[{"Sid":"LaunchEC2Instances","Effect":"Allow","Action":["ec2:Describe*","ec2:RunInstances"],"Resource":["*"]}]}`},
		{Name: "image wildcard", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Run*","Resource":"arn:aws:ec2:*::image/*"}]}`},
	},
	principal: runImages,
}

var imageQuery = &query{
	name:     "images",
	actions:  runActions,
	modelled: keyIn("ec2:ImageID", "ec2:Owner", "ec2:ResourceTag/", "aws:ResourceTag/"),
	probes:   imageProbes,
}

func runImages(env *Env, s *Subject) ([]Finding, error) {
	gs, err := imageQuery.run(env, s)
	if err != nil {
		return nil, err
	}
	why := "no approved image ARNs, no ec2:ImageID, ec2:Owner or image tag condition"
	if set := env.Settings; len(set.ApprovedAMIs) > 0 || len(set.ApprovedAMIOwners) > 0 {
		// The grant may be scoped, but to images or owners the configuration does not approve.
		why += ", or one naming images or owners outside the configuration's approved_amis and approved_ami_owners"
	}
	return findings(s, gs, func(acts []string) string {
		return fmt.Sprintf("%s can launch instances from images that are not limited to approved AMIs (%s)", who(s), why)
	}), nil
}

// imageProbes tries an unscoped image and, when the configuration lists approved AMIs or
// owners, every unapproved image or owner the subject's policies name.
func imageProbes(env *Env, s *Subject, a *catalog.Action) [][]probe {
	ps := s.freshProbes(a.Service, "image", nil)
	set := env.Settings
	if len(set.ApprovedAMIs) == 0 && len(set.ApprovedAMIOwners) == 0 {
		return [][]probe{ps}
	}
	parts := s.arnParts()[0]
	rt := a.Service.ResourceTypes["image"]
	imageARN := func(id string) string {
		if rt == nil {
			return "*"
		}
		return fillARN(rt.ARN, parts, id)
	}
	name := a.FullName()
	for _, d := range s.Identity {
		for _, st := range d.Statements {
			if st.Effect != policy.Allow || !usable(st) || !statementNames(st, name) {
				continue
			}
			if len(set.ApprovedAMIs) > 0 {
				for _, r := range st.Resource {
					if _, id, ok := strings.Cut(r, ":image/"); ok && !strings.ContainsAny(id, "*?$") && !contains(set.ApprovedAMIs, id) {
						ps = append(ps, probe{resource: concrete(r)})
					}
				}
			}
			for _, c := range st.Conditions {
				switch {
				case strings.EqualFold(c.Key, "ec2:ImageID") && len(set.ApprovedAMIs) > 0:
					for _, v := range c.Values {
						if !strings.ContainsAny(v, "*?$") && !contains(set.ApprovedAMIs, v) {
							ps = append(ps, probe{resource: imageARN(v), context: eval.Context{"ec2:ImageID": {v}}})
						}
					}
				case strings.EqualFold(c.Key, "ec2:Owner") && len(set.ApprovedAMIOwners) > 0:
					for _, v := range c.Values {
						if !strings.ContainsAny(v, "*?$") && !contains(set.ApprovedAMIOwners, v) {
							ps = append(ps, probe{resource: imageARN("*"), context: eval.Context{"ec2:Owner": {v}}})
						}
					}
				}
			}
		}
	}
	return [][]probe{ps}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
