package controls

import "github.com/ec2guard/ec2guard/resource"

var netHighRisk = &Control{
	ID:          "EC2G-NET-5",
	SecurityHub: "EC2.19",
	Prowler:     []string{"ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports"},
	Title:       "Security groups should not allow unrestricted access to ports with high risk",
	Severity:    Critical,
	Rationale: "Administration, database, file-sharing and development ports (FTP, SSH, Telnet, SMTP, POP3, RPC, IMAP, " +
		"CIFS, MSSQL, MySQL, RDP, PostgreSQL, OpenSearch and others: Security Hub's fixed list of 24) should never be " +
		"open to the internet. A tcp permission covering one, or one of every protocol, from 0.0.0.0/0 or ::/0 fails.",
	Remediation: "Remove the rules, or narrow their sources to the ranges that need the service.",
	References: []string{shPage + "ec2-19", configRule("restricted-common-ports"),
		prowlerCheck("ec2_securitygroup_allow_ingress_from_internet_to_high_risk_tcp_ports")},
	Kind: resource.SecurityGroup,
	Fails: []Case{{Why: "the group lets a high-risk port in from the internet",
		Filters: "- {ingress: {ports: " + yamlValue(intList(highRiskPorts)) + ", protocol: tcp}}\n"}},
	Pass:    "the group lets no high-risk port in from 0.0.0.0/0 or ::/0",
	Events:  sgEvents,
	Actions: []string{"revoke-ingress", "restrict-ingress"},
}
