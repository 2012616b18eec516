package actions

import "github.com/ec2guard/ec2guard/resource"

// RevokeIngressConfig is revoke-ingress's configuration.
type RevokeIngressConfig struct{}

func (RevokeIngressConfig) Action() string { return "revoke-ingress" }

var revokeIngressDef = &def{
	name: "revoke-ingress",
	doc: "revoke the security-group rules the rule's filters matched (a group's ingress, or a " +
		"default group's egress), one peer each, and nothing else: a permission's other ranges and the group's other rules stay",
	params:  map[string]param{},
	mutates: true,
	parse:   func(map[string]any) (Config, error) { return RevokeIngressConfig{}, nil },
	permissions: func(Config) []Permission {
		return []Permission{{Actions: []string{"ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"},
			On: []resource.Kind{resource.SecurityGroup}, FilterScoped: true, For: resource.SecurityGroup}}
	},
}
