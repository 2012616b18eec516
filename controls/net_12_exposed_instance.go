package controls

import "github.com/ec2guard/ec2guard/resource"

// exposedPorts are the ports of Prowler's ec2_instance_port_*_exposed_to_internet checks.
var exposedPorts = []int{20, 21, 22, 23, 88, 139, 389, 445, 464, 636, 749, 750, 1433, 1434, 1521, 2483, 2484, 3306,
	3389, 5432, 5601, 6379, 7000, 7001, 7199, 9042, 9092, 9160, 9200, 9300, 11211, 27017, 27018}

var netExposedInstance = &Control{
	ID:  "EC2G-NET-12",
	CIS: []string{"v4.0.0 5.1.2", "v5.0.0 5.1.2", "v6.0.0 6.1.2"},
	Prowler: []string{
		"ec2_instance_port_ssh_exposed_to_internet", "ec2_instance_port_telnet_exposed_to_internet",
		"ec2_instance_port_ftp_exposed_to_internet", "ec2_instance_port_rdp_exposed_to_internet",
		"ec2_instance_port_cifs_exposed_to_internet", "ec2_instance_port_kerberos_exposed_to_internet",
		"ec2_instance_port_ldap_exposed_to_internet", "ec2_instance_port_mysql_exposed_to_internet",
		"ec2_instance_port_postgresql_exposed_to_internet", "ec2_instance_port_sqlserver_exposed_to_internet",
		"ec2_instance_port_oracle_exposed_to_internet", "ec2_instance_port_mongodb_exposed_to_internet",
		"ec2_instance_port_redis_exposed_to_internet", "ec2_instance_port_memcached_exposed_to_internet",
		"ec2_instance_port_cassandra_exposed_to_internet", "ec2_instance_port_elasticsearch_kibana_exposed_to_internet",
		"ec2_instance_port_kafka_exposed_to_internet",
	},
	Title:    "EC2 instances should not be exposed to the internet on high-risk ports",
	Severity: Critical,
	Rationale: "One control over Prowler's per-port checks: an instance one of whose security groups lets a high-risk " +
		"port (SSH, Telnet, FTP, RDP, CIFS, Kerberos, LDAP, databases, caches, search, Kafka) in over tcp, or every " +
		"protocol, from 0.0.0.0/0 or ::/0. Its severity is Prowler's grading: critical with a public IP in a subnet " +
		"routed to an internet gateway, high with a public IP elsewhere, medium with no public IP.",
	Remediation: "Remove the open rules from the instance's groups, narrow their sources, or isolate the instance.",
	References:  []string{prowlerCheck("ec2_instance_port_ssh_exposed_to_internet")},
	Kind:        resource.Instance,
	Scope:       live,
	OutOfScope:  terminated,
	Fails: []Case{{Why: "a security group of the instance lets a high-risk port in from the internet",
		Filters: "- {ingress: {ports: ${param:ports}, protocol: tcp}}\n"}},
	Grades: []Grade{
		{Severity: Critical, Why: "public IP in a public subnet",
			Filters: "- {attr: PublicIpAddress, present: true}\n- {attr: Exposure.Subnet.RoutesToInternetGateway, equals: true}\n"},
		{Severity: High, Why: "public IP", Filters: "- {attr: PublicIpAddress, present: true}\n"},
		{Severity: Medium, Why: "no public IP"},
	},
	Pass: "no security group of the instance lets a high-risk port in from the internet",
	Events: []string{"AuthorizeSecurityGroupIngress", "ModifySecurityGroupRules", "RunInstances", "ModifyInstanceAttribute",
		"ModifyNetworkInterfaceAttribute", "AssociateAddress", "DisassociateAddress", "CreateRoute", "ReplaceRoute",
		"AssociateRouteTable", "ReplaceRouteTableAssociation", "AttachInternetGateway"},
	Params: []Param{{Name: "ports", Type: ParamPorts, Default: intList(exposedPorts),
		Doc: "the high-risk tcp ports (Prowler's per-port checks together)"}},
	// quarantine isolates the instance (its public IP stays: no fix of a public-IP control);
	// revoke-ingress and restrict-ingress act on the groups, under the groups' controls.
	Actions: []string{"quarantine"},
}
