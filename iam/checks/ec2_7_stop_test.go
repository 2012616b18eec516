package checks

import (
	"testing"

	"github.com/ec2guard/ec2guard/iam/internal/seedtest"
)

func TestStop(t *testing.T) {
	seed004 := seedtest.TagBasedEC2RestrictionsPolicy(t)
	const stop = "ec2:StopInstances"
	runTable(t, ec2Stop, []tcase{
		{name: "seed 004 owner-scoped stop", docs: []string{seed004}},
		{name: "stop on *", docs: []string{pol(`{"Effect":"Allow","Action":["ec2:StopInstances"],"Resource":"*"}`)}, want: []string{stop}},
		{name: "ec2:St*", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:St*","Resource":"*"}`)}, want: []string{stop}},
		{name: "tag scoped", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Team":"a"}}}`)}},
		{name: "IfExists tag condition reaches untagged instances", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:ResourceTag/Team":"a"}}}`)}, want: []string{stop}},
		{name: "tag absence scopes (the seeds' exception tag)", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*","Condition":{"Null":{"ec2:ResourceTag/SPECIAL_EXCEPTION":"true"}}}`)}},
		{name: "tag absence elsewhere scopes nothing", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"}`, `{"Effect":"Allow","Action":"ec2:StartInstances","Resource":"*","Condition":{"Null":{"ec2:ResourceTag/SPECIAL_EXCEPTION":"true"}}}`)}, want: []string{stop}},
		{name: "tag presence scopes", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*","Condition":{"Null":{"aws:ResourceTag/Team":"false"}}}`)}},
		{name: "denied", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`, `{"Effect":"Deny","Action":"ec2:StopInstances","Resource":"*"}`)}},
	})
}
