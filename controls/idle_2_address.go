package controls

import "github.com/ec2guard/ec2guard/resource"

var idleAddress = &Control{
	ID:          "EC2G-IDLE-2",
	SecurityHub: "EC2.12",
	Prowler:     []string{"ec2_elastic_ip_unassigned"},
	Title:       "Unused Amazon EC2 EIPs should be removed",
	Severity:    Low,
	Rationale: "An Elastic IP address associated with nothing is billed, and is an address others may still trust " +
		"(allow lists, DNS records) that nothing of yours answers on.",
	Remediation: "Release the address (ReleaseAddress) once nothing refers to it.",
	References:  []string{shPage + "ec2-12", configRule("eip-attached"), prowlerCheck("ec2_elastic_ip_unassigned")},
	Kind:        resource.Address,
	Fails:       []Case{{Why: "the Elastic IP address is associated with nothing", Filters: "- {attr: AssociationId, absent: true}\n"}},
	Pass:        "the Elastic IP address is associated",
	Events:      []string{"AllocateAddress", "DisassociateAddress", "TerminateInstances", "DeleteNetworkInterface"},
	Actions:     []string{"release-address"},
}
