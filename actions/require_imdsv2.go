package actions

import "github.com/ec2guard/ec2guard/resource"

// RequireIMDSv2Config is require-imdsv2's configuration.
type RequireIMDSv2Config struct {
	HopLimit int32 // HttpPutResponseHopLimit to set, 1-64; 0 keeps the current one
}

func (RequireIMDSv2Config) Action() string { return "require-imdsv2" }

var requireIMDSv2Def = &def{
	name: "require-imdsv2",
	doc: "require IMDSv2 (HttpTokens required): on an instance (ModifyInstanceMetadataOptions; the endpoint kept as it is, a disabled one stays disabled), on a launch " +
		"template (a new version of the default version, made the default) or in the account's region (its instance metadata defaults)",
	params: map[string]param{
		"hop-limit": {kind: pOther, valid: wholeIn(1, 64), doc: "the PUT response hop limit to set, 1-64 (default: kept as it is)"},
	},
	mutates: true,
	parse: func(params map[string]any) (Config, error) {
		var c RequireIMDSv2Config
		if f, ok := number(params["hop-limit"]); ok {
			c.HopLimit = int32(f)
		}
		return c, nil
	},
	permissions: func(Config) []Permission {
		return []Permission{
			{Actions: []string{"ec2:ModifyInstanceMetadataOptions"}, On: []resource.Kind{resource.Instance}, FilterScoped: true, For: resource.Instance},
			{Actions: []string{"ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"}, On: []resource.Kind{resource.LaunchTemplate}, FilterScoped: true, For: resource.LaunchTemplate},
			// ModifyInstanceMetadataDefaults has no resource-level permission.
			{Actions: []string{"ec2:ModifyInstanceMetadataDefaults"}, Resources: []string{"*"}, For: resource.Account},
		}
	},
}
