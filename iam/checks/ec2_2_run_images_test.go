package checks

import (
	"testing"

	"github.com/ec2guard/ec2guard/iam/internal/seedtest"
)

func TestRunImages(t *testing.T) {
	seed004 := seedtest.TagBasedEC2RestrictionsPolicy(t)
	const run = "ec2:RunInstances"
	approved := Settings{ApprovedAMIs: []string{"ami-0good"}, ApprovedAMIOwners: []string{"111122223333"}}
	runTable(t, ec2RunImages, []tcase{
		{name: "seed 004 grants RunInstances on *", docs: []string{seed004}, want: []string{run}},
		{name: "string form", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}`)}, want: []string{run}},
		{name: "mixed case wildcard", docs: []string{pol(`{"Effect":"Allow","Action":"Ec2:RUN*","Resource":["*"]}`)}, want: []string{run}},
		{name: "NotAction", docs: []string{pol(`{"Effect":"Allow","NotAction":"ec2:Terminate*","Resource":"*"}`)}, want: []string{run}},
		{name: "image ARN wildcard", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:us-east-1::image/*"}`)}, want: []string{run}},
		{name: "named image", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":["arn:aws:ec2:us-east-1::image/ami-0good","arn:aws:ec2:us-east-1:111122223333:instance/*"]}`)}},
		{name: "image not in Resource", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:*:*:instance/*"}`)}},
		{name: "ImageID condition", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":{"StringEquals":{"ec2:ImageID":["ami-0good"]}}}`)}},
		{name: "Owner condition", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":{"StringEquals":{"ec2:Owner":"amazon"}}}`)}},
		{name: "image tag condition", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":{"StringEquals":{"ec2:ResourceTag/Approved":"yes"}}}`)}},
		{name: "instance type condition does not limit images", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":{"StringEquals":{"ec2:InstanceType":"t3.micro"}}}`)}, want: []string{run}},
		{name: "explicit deny on images", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}`, `{"Effect":"Deny","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:*::image/*"}`)}},
		{name: "deny unapproved owners", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}`, `{"Effect":"Deny","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:*::image/*","Condition":{"StringNotEquals":{"ec2:Owner":"111122223333"}}}`)}},
		{name: "approved list: owner condition approved", settings: approved, docs: []string{pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":{"StringEquals":{"ec2:Owner":"111122223333"}}}`)}},
		{name: "approved list: owner condition not approved", settings: approved, docs: []string{pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":{"StringEquals":{"ec2:Owner":["111122223333","amazon"]}}}`)}, want: []string{run}},
		{name: "approved list: named unapproved image", settings: approved, docs: []string{pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:us-east-1::image/ami-0bad"}`)}, want: []string{run}},
		{name: "approved list: named approved image", settings: approved, docs: []string{pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:us-east-1::image/ami-0good"}`)}},
		{name: "approved list: ImageID not approved", settings: approved, docs: []string{pol(`{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*","Condition":{"StringEquals":{"ec2:ImageID":"ami-0other"}}}`)}, want: []string{run}},
	})
}
