package actions

import (
	"errors"

	"github.com/ec2guard/ec2guard/resource"
)

// ProtectConfig is protect's configuration.
type ProtectConfig struct {
	Stop, Termination *bool // DisableApiStop, DisableApiTermination; nil leaves it as it is
}

func (ProtectConfig) Action() string { return "protect" }

var protectDef = &def{
	name: "protect",
	doc:  "set stop and/or termination protection",
	params: map[string]param{
		"stop":        {kind: pBool, doc: "set DisableApiStop"},
		"termination": {kind: pBool, doc: "set DisableApiTermination"},
	},
	mutates: true,
	parse: func(params map[string]any) (Config, error) {
		var c ProtectConfig
		if v, ok := params["stop"].(bool); ok {
			c.Stop = &v
		}
		if v, ok := params["termination"].(bool); ok {
			c.Termination = &v
		}
		if c.Stop == nil && c.Termination == nil {
			return nil, errors.New("protect needs stop and/or termination (true sets the protection, false lifts it): with neither it has nothing to do")
		}
		return c, nil
	},
	permissions: func(Config) []Permission {
		return []Permission{{Actions: []string{"ec2:ModifyInstanceAttribute"}, On: []resource.Kind{resource.Instance}, FilterScoped: true}}
	},
}
