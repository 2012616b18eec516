package actions

import "github.com/ec2guard/ec2guard/resource"

// EnableEbsEncryptionConfig is enable-ebs-encryption-by-default's configuration.
type EnableEbsEncryptionConfig struct{}

func (EnableEbsEncryptionConfig) Action() string { return "enable-ebs-encryption-by-default" }

var enableEbsEncryptionDef = &def{
	name: "enable-ebs-encryption-by-default",
	doc: "turn on EBS encryption by default in the account's region (new volumes and snapshot copies are encrypted; " +
		"existing volumes and snapshots are not)",
	params:  map[string]param{},
	mutates: true,
	parse:   func(map[string]any) (Config, error) { return EnableEbsEncryptionConfig{}, nil },
	permissions: func(Config) []Permission {
		// EnableEbsEncryptionByDefault has no resource-level permission.
		return []Permission{{Actions: []string{"ec2:EnableEbsEncryptionByDefault"}, Resources: []string{"*"}, For: resource.Account}}
	},
}
