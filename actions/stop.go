package actions

import "github.com/ec2guard/ec2guard/resource"

// StopConfig is stop's configuration.
type StopConfig struct {
	Force bool // turn DisableApiStop off first
}

func (StopConfig) Action() string { return "stop" }

var stopDef = &def{
	name:    "stop",
	doc:     "stop the instance if it is running",
	params:  map[string]param{"force": {kind: pBool, doc: "turn DisableApiStop off first instead of reporting the instance"}},
	mutates: true,
	actsIn:  []resource.State{resource.Pending, resource.Running},
	drives:  []resource.State{resource.Stopping, resource.Stopped},
	parse: func(params map[string]any) (Config, error) {
		force, _ := params["force"].(bool)
		return StopConfig{Force: force}, nil
	},
	permissions: func(cfg Config) []Permission {
		acts := []string{"ec2:StopInstances"}
		if cfg.(StopConfig).Force {
			acts = append(acts, "ec2:ModifyInstanceAttribute") // turns DisableApiStop off first
		}
		return []Permission{{Actions: acts, On: []resource.Kind{resource.Instance}, FilterScoped: true}}
	},
}
