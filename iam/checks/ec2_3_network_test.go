package checks

import "testing"

func TestNetwork(t *testing.T) {
	prov := Settings{Provisioning: []string{"arn:aws:iam::*:role/Provisioning*"}}
	runTable(t, ec2Network, []tcase{
		{name: "one action", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:CreateVpc","Resource":"*"}`)}, want: []string{"ec2:CreateVpc"}},
		{name: "list form mixed case", docs: []string{pol(`{"Effect":"Allow","Action":["EC2:deletesubnet","ec2:DeleteVpc"],"Resource":["*"]}`)}, want: []string{"ec2:DeleteSubnet,ec2:DeleteVpc"}},
		{name: "scoped to one VPC is still a grant", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:ModifyVpcAttribute","Resource":"arn:aws:ec2:us-east-1:111122223333:vpc/vpc-0abc"}`)}, want: []string{"ec2:ModifyVpcAttribute"}},
		{name: "condition is still a grant", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:CreateRoute","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Team":"net"}}}`)}, want: []string{"ec2:CreateRoute"}},
		{name: "provisioning role", principal: "arn:aws:iam::111122223333:role/ProvisioningRole", settings: prov, docs: []string{pol(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`)}},
		{name: "other role", principal: "arn:aws:iam::111122223333:role/Dev", settings: prov, docs: []string{pol(`{"Effect":"Allow","Action":"ec2:CreateVpcPeeringConnection","Resource":"*"}`)}, want: []string{"ec2:CreateVpcPeeringConnection"}},
		{name: "denied", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:CreateRoute","Resource":"*"}`, `{"Effect":"Deny","Action":"ec2:*Route*","Resource":"*"}`)}},
		{name: "NotAction excluding network", docs: []string{pol(`{"Effect":"Allow","NotAction":["ec2:*"],"Resource":"*"}`)}},
		{name: "describe only", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}`)}},
	})
}
