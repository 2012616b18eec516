package checks

import "testing"

func TestModifyAttribute(t *testing.T) {
	const mod = "ec2:ModifyInstanceAttribute"
	runTable(t, ec2ModifyAttribute, []tcase{
		{name: "on *", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:ModifyInstanceAttribute","Resource":"*"}`)}, want: []string{mod}},
		{name: "ec2:Modify*", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:Modify*","Resource":"arn:aws:ec2:*:*:*"}`)}, want: []string{mod}},
		{name: "tag scoped", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:ModifyInstanceAttribute","Resource":"*","Condition":{"StringLike":{"ec2:ResourceTag/Owner":"*"}}}`)}},
		{name: "other resource type only", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:ModifyInstanceAttribute","Resource":"arn:aws:ec2:*:*:security-group/*"}`)}},
		{name: "boundary", docs: []string{pol(`{"Effect":"Allow","Action":"*","Resource":"*"}`)}, boundary: pol(`{"Effect":"Allow","NotAction":"ec2:Modify*","Resource":"*"}`)},
	})
}
