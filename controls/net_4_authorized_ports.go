package controls

import "github.com/ec2guard/ec2guard/resource"

var netAuthorizedPorts = &Control{
	ID:          "EC2G-NET-4",
	SecurityHub: "EC2.18",
	Title:       "Security groups should only allow unrestricted incoming traffic for authorized ports",
	Severity:    High,
	Rationale: "Only the ports a service is meant to offer to everyone (the web's 80 and 443 by default) should be " +
		"open to 0.0.0.0/0 or ::/0. A permission of every protocol fails, and so does a tcp or udp range that runs past " +
		"the authorized ports. A group with no unrestricted ingress at all is not applicable, as the Config rule has it.",
	Remediation: "Remove the unrestricted rules on other ports, or narrow their sources.",
	References:  []string{shPage + "ec2-18", configRule("vpc-sg-open-only-to-authorized-ports")},
	Kind:        resource.SecurityGroup,
	Scope:       "- {ingress: true}\n",
	OutOfScope:  "the group lets nothing in from 0.0.0.0/0 or ::/0",
	Fails: []Case{{Why: "the group lets an unauthorized port in from the internet",
		Filters: "- {ingress-except: {tcp: ${param:authorized-tcp-ports}, udp: ${param:authorized-udp-ports}}}\n"}},
	Pass:   "the group lets only authorized ports in from the internet",
	Events: sgEvents,
	Params: []Param{
		{Name: "authorized-tcp-ports", AWSName: "authorizedTcpPorts", Type: ParamPorts, Default: []any{80, 443},
			Doc: "the tcp ports that may be open to 0.0.0.0/0 and ::/0"},
		{Name: "authorized-udp-ports", AWSName: "authorizedUdpPorts", Type: ParamPorts, Default: []any{},
			Doc: "the udp ports that may be open to 0.0.0.0/0 and ::/0"},
	},
	Actions: []string{"revoke-ingress", "restrict-ingress"},
}
