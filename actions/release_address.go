package actions

import "github.com/ec2guard/ec2guard/resource"

// ReleaseAddressConfig is release-address's configuration.
type ReleaseAddressConfig struct{}

func (ReleaseAddressConfig) Action() string { return "release-address" }

var releaseAddressDef = &def{
	name: "release-address",
	doc: "release an Elastic IP address that nothing uses (no association, as read now); the address may not be " +
		"had back (needs confirm-destroy: true in the rule)",
	params:   map[string]param{},
	mutates:  true,
	destroys: true,
	parse:    func(map[string]any) (Config, error) { return ReleaseAddressConfig{}, nil },
	permissions: func(Config) []Permission {
		return []Permission{{Actions: []string{"ec2:ReleaseAddress"}, On: []resource.Kind{resource.Address}, FilterScoped: true, For: resource.Address}}
	},
}
