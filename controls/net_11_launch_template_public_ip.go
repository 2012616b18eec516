package controls

import "github.com/ec2guard/ec2guard/resource"

var netLaunchTemplatePublicIP = &Control{
	ID:          "EC2G-NET-11",
	SecurityHub: "EC2.25",
	Prowler:     []string{"ec2_launch_template_no_public_ip"},
	Title:       "Amazon EC2 launch templates should not assign public IPs to network interfaces",
	Severity:    High,
	Rationale: "A template whose network interfaces ask for a public address puts every instance it launches on the " +
		"internet. The Config rule judges the default version: one of its interfaces with AssociatePublicIpAddress " +
		"true fails. (An interface given by NetworkInterfaceId whose ENI has a public address is not judged: " +
		"ec2guard does not read the ENI.)",
	Remediation: "Create a template version whose interfaces do not associate a public address, and make it the default.",
	References: []string{shPage + "ec2-25", configRule("ec2-launch-template-public-ip-disabled"),
		prowlerCheck("ec2_launch_template_no_public_ip")},
	Kind: resource.LaunchTemplate,
	Fails: []Case{{Why: "the default version assigns a public IP address to a network interface",
		Filters: "- {attr: 'DefaultVersion.LaunchTemplateData.NetworkInterfaces[].AssociatePublicIpAddress', equals: true}\n"}},
	Pass:   "the default version assigns no public IP address",
	Events: launchTemplateEvents,
}
