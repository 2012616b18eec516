package checks

import "testing"

func TestSecurityGroups(t *testing.T) {
	runTable(t, ec2SecurityGroups, []tcase{
		{name: "ingress", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:AuthorizeSecurityGroupIngress","Resource":"*"}`)}, want: []string{"ec2:AuthorizeSecurityGroupIngress"}},
		{name: "one group", docs: []string{pol(`{"Effect":"Allow","Action":["ec2:RevokeSecurityGroupIngress"],"Resource":"arn:aws:ec2:us-east-1:111122223333:security-group/sg-1"}`)}, want: []string{"ec2:RevokeSecurityGroupIngress"}},
		{name: "authorized by name", principal: "arn:aws:iam::111122223333:role/netops", settings: Settings{Provisioning: []string{"NetOps"}}, docs: []string{pol(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`)}},
		{name: "boundary removes it", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`)}, boundary: pol(`{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}`)},
		{name: "deny all but describe via NotAction deny", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:CreateSecurityGroup","Resource":"*"}`, `{"Effect":"Deny","NotAction":"ec2:Describe*","Resource":"*"}`)}},
	})
}
