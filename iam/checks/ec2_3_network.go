package checks

// networkActions are the seed's network-modification actions (003, IAM-EC2-3), with its
// typo "ec2:ModifyVpcPeeringConnectionOptionsconnection" read as the real action.
var networkActions = []string{
	"ec2:AssociateDhcpOptions", "ec2:AssociateRouteTable", "ec2:AssociateSubnetCidrBlock", "ec2:AssociateVpcCidrBlock",
	"ec2:AttachInternetGateway", "ec2:AttachVpnGateway", "ec2:CreateCustomerGateway", "ec2:CreateDhcpOptions",
	"ec2:CreateInstanceExportTask", "ec2:CreateInternetGateway", "ec2:CreateRoute", "ec2:CreateRouteTable",
	"ec2:CreateSubnet", "ec2:CreateVpc", "ec2:CreateVpcEndpoint", "ec2:CreateVpcEndpointServiceConfiguration",
	"ec2:CreateVpcPeeringConnection", "ec2:CreateVpnConnection", "ec2:CreateVpnConnectionRoute", "ec2:CreateVpnGateway",
	"ec2:DeleteCustomerGateway", "ec2:DeleteDhcpOptions", "ec2:DeleteEgressOnlyInternetGateway", "ec2:DeleteInternetGateway",
	"ec2:DeleteNatGateway", "ec2:DeleteNetworkAcl", "ec2:DeleteNetworkAclEntry", "ec2:DeleteRoute", "ec2:DeleteRouteTable",
	"ec2:DeleteSubnet", "ec2:DeleteVpc", "ec2:DeleteVpcEndpointServiceConfigurations", "ec2:DeleteVpcEndpoints",
	"ec2:DeleteVpcPeeringConnection", "ec2:DeleteVpnConnection", "ec2:DeleteVpnConnectionRoute", "ec2:DeleteVpnGateway",
	"ec2:DetachInternetGateway", "ec2:DetachVpnGateway", "ec2:DisableVgwRoutePropagation", "ec2:DisassociateRouteTable",
	"ec2:DisassociateSubnetCidrBlock", "ec2:DisassociateVpcCidrBlock", "ec2:EnableVgwRoutePropagation",
	"ec2:ModifySubnetAttribute", "ec2:ModifyVpcAttribute", "ec2:ModifyVpcEndpoint", "ec2:ModifyVpcEndpointServiceConfiguration",
	"ec2:ModifyVpcEndpointServicePermissions", "ec2:ModifyVpcPeeringConnectionOptions", "ec2:ReplaceRoute",
	"ec2:ReplaceRouteTableAssociation",
}

var ec2Network = &Check{
	ID:       "IAM-EC2-3",
	Title:    "Network changes are allowed outside the provisioning principals",
	Severity: High,
	Scope:    ScopePrincipal,
	Rationale: "Network boundaries (VPCs, subnets, routes, gateways, peering, VPN, endpoints) are set up when an account is " +
		"provisioned. A principal other than the provisioning role that may change them can expose the network or " +
		"open a path for data exfiltration. Any grant counts, whatever the resource or condition.",
	Remediation: "Remove the network-modification actions from everyone but the account provisioning principals, and list " +
		"those in the configuration file (provisioning: [ARN or name patterns]).",
	References: []string{
		"https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Operations.html",
		"https://docs.aws.amazon.com/vpc/latest/userguide/security-iam.html",
	},
	Actions: networkActions,
	Good: []Example{
		{Name: "read only", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","ec2:Get*"],"Resource":"*"}]}`},
		{Name: "network denied", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"},{"Effect":"Deny","Action":["ec2:*Vpc*","ec2:*Subnet*","ec2:*Route*","ec2:*Gateway*","ec2:*Dhcp*","ec2:*Vpn*","ec2:*NetworkAcl*","ec2:*Vgw*","ec2:CreateInstanceExportTask"],"Resource":"*"}]}`},
	},
	Bad: []Example{
		{Name: "create routes", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:CreateRoute","ec2:ReplaceRoute"],"Resource":"*"}]}`},
		{Name: "one route table is still a grant", Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:CreateRoute","Resource":"arn:aws:ec2:us-east-1:111122223333:route-table/rtb-0123"}]}`},
	},
	principal: reservedFor("network", networkActions, "modify the network"),
}
