package checks

import (
	"testing"

	"github.com/ec2guard/ec2guard/iam/internal/seedtest"
)

func TestRetag(t *testing.T) {
	seed004 := seedtest.TagBasedEC2RestrictionsPolicy(t)
	const owner = `{"Effect":"Allow","Action":["ec2:StopInstances","ec2:TerminateInstances"],"Resource":"*","Condition":{"StringEquals":{"ec2:ResourceTag/PrincipalId":"${aws:userid}"}}}`
	runTable(t, ec2Retag, []tcase{
		{name: "seed 004 alone: no tagging rights", docs: []string{seed004}},
		{name: "seed 004 plus unscoped CreateTags in another policy", docs: []string{seed004, pol(`{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*"}`)}, want: []string{"ec2:CreateTags"}},
		{name: "create and delete", docs: []string{pol(owner, `{"Effect":"Allow","Action":["ec2:CreateTags","ec2:DeleteTags"],"Resource":"arn:aws:ec2:*:*:instance/*"}`)}, want: []string{"ec2:CreateTags,ec2:DeleteTags"}},
		{name: "ec2:*Tags", docs: []string{pol(owner, `{"Effect":"Allow","Action":"ec2:*Tags","Resource":"*"}`)}, want: []string{"ec2:CreateTags,ec2:DeleteTags"}},
		{name: "create action condition", docs: []string{pol(owner, `{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringEquals":{"ec2:CreateAction":["RunInstances","CreateVolume"]}}}`)}},
		{name: "tag keys exclude the access tag", docs: []string{pol(owner, `{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["Name"]}}}`)}},
		{name: "tag keys include the access tag", docs: []string{pol(owner, `{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["Name","PrincipalId"]}}}`)}, want: []string{"ec2:CreateTags"}},
		{name: "only own instances", docs: []string{pol(owner, `{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringEquals":{"ec2:ResourceTag/PrincipalId":"${aws:userid}"}}}`)}},
		{name: "denied tag key", docs: []string{pol(owner, `{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*"}`, `{"Effect":"Deny","Action":["ec2:CreateTags","ec2:DeleteTags"],"Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["PrincipalId"]}}}`)}},
		{name: "request tag fixed to another value", docs: []string{pol(owner, `{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/PrincipalId":"automation"}}}`)}},
		{name: "no tag-based rights", docs: []string{pol(`{"Effect":"Allow","Action":["ec2:CreateTags","ec2:StopInstances"],"Resource":"*"}`)}},
		{name: "deny conditioned on tags is not a tag-based right", docs: []string{pol(`{"Effect":"Allow","Action":["ec2:CreateTags","ec2:StopInstances"],"Resource":"*"}`, `{"Effect":"Deny","Action":"ec2:StopInstances","Resource":"*","Condition":{"StringEquals":{"ec2:ResourceTag/Env":"prod"}}}`)}},
	})
}

func TestRetagReservedAndAttributes(t *testing.T) {
	runTable(t, ec2Retag, []tcase{
		{name: "reserved aws: tag keys cannot be written", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/aws:cloudformation:stack-id":"x"}}}`, `{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*"}`)}},
		{name: "instance attribute condition scopes", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Team":"x"}}}`, `{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringLike":{"ec2:ManagedResourceOperator":"workspaces-instances.amazonaws.com"}}}`)}},
		{name: "request-side condition does not", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Team":"x"}}}`, `{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"Bool":{"aws:ViaAWSService":"false"}}}`)}, want: []string{"ec2:CreateTags"}},
	})
}

// The re-tag takeover shapes of issue 11 that one probe (the access key alone, on an
// Allow's condition) missed.
func TestRetagShapes(t *testing.T) {
	const gate = `{"Effect":"Allow","Action":["ec2:StopInstances","ec2:TerminateInstances"],"Resource":"*"},` +
		`{"Effect":"Deny","Action":["ec2:StopInstances","ec2:TerminateInstances"],"Resource":"*","Condition":{"StringNotEquals":{"ec2:ResourceTag/Owner":"${aws:username}"}}}`
	const owner = `{"Effect":"Allow","Action":["ec2:StopInstances","ec2:TerminateInstances"],"Resource":"*","Condition":{"StringEquals":{"ec2:ResourceTag/PrincipalId":"${aws:userid}"}}}`
	runTable(t, ec2Retag, []tcase{
		{name: "ownership gate as a Deny unless the tag matches", docs: []string{pol(gate, `{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*"}`)}, want: []string{"ec2:CreateTags"}},
		{name: "the gate with tagging only at creation", docs: []string{pol(gate, `{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringEquals":{"ec2:CreateAction":"RunInstances"}}}`)}},
		{name: "ForAnyValue aws:TagKeys lets the access key through beside another", docs: []string{pol(owner,
			`{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["Name"]}}}`)}, want: []string{"ec2:CreateTags"}},
		{name: "one RequestTag key required says nothing of the others", docs: []string{pol(owner,
			`{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/CostCenter":"42"}}}`)}, want: []string{"ec2:CreateTags"}},
		{name: "one RequestTag key required and only it allowed", docs: []string{pol(owner,
			`{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/CostCenter":"42"},"ForAllValues:StringEquals":{"aws:TagKeys":["CostCenter"]}}}`)}},
		{name: "ABAC in the boundary", docs: []string{pol(`{"Effect":"Allow","Action":["ec2:StopInstances","ec2:CreateTags"],"Resource":"*"}`)},
			boundary: pol(`{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*"}`, owner), want: []string{"ec2:CreateTags"}},
	})
}
