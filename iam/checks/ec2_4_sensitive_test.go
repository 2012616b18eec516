package checks

import "testing"

func TestSensitive(t *testing.T) {
	runTable(t, ec2Sensitive, []tcase{
		{name: "copy image", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:CopyImage","Resource":"*"}`)}, want: []string{"ec2:CopyImage"}},
		{name: "wildcard", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:*Image","Resource":"*"}`)}, want: []string{"ec2:CopyFpgaImage,ec2:CopyImage,ec2:CreateFpgaImage,ec2:CreateImage,ec2:DeleteFpgaImage,ec2:DeregisterImage"}},
		{name: "attach volume with one scoped resource", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:AttachVolume","Resource":["arn:aws:ec2:*:*:instance/*","arn:aws:ec2:us-east-1:111122223333:volume/vol-1"]}`)}},
		{name: "attach volume unscoped", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:AttachVolume","Resource":["arn:aws:ec2:*:*:instance/*","arn:aws:ec2:*:*:volume/*"]}`)}, want: []string{"ec2:AttachVolume"}},
		{name: "resource key condition scopes", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:ReplaceIamInstanceProfileAssociation","Resource":"*","Condition":{"StringEquals":{"ec2:InstanceProfile":"arn:aws:iam::111122223333:instance-profile/app"}}}`)}},
		{name: "request key condition does not", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:DisassociateAddress","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}`)}, want: []string{"ec2:DisassociateAddress"}},
		{name: "denied", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:*","Resource":"*"}`, `{"Effect":"Deny","Action":["ec2:*Image*","ec2:*Fpga*","ec2:AttachVolume","ec2:Disassociate*","ec2:Replace*"],"Resource":"*"}`)}},
	})
}
