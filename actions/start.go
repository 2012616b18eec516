package actions

import (
	"time"

	"github.com/ec2guard/ec2guard/resource"
)

// StartConfig is start's configuration.
type StartConfig struct {
	Wait time.Duration // how long to wait for a stopping instance
}

func (StartConfig) Action() string { return "start" }

// DefaultWait is how long start waits for a stopping instance unless told.
const DefaultWait = 2 * time.Minute

var startDef = &def{
	name:    "start",
	doc:     "start the instance if it is stopped (waits, bounded, while it is stopping)",
	params:  map[string]param{"wait": {kind: pDuration, doc: "how long to wait for a stopping instance (default 2m)"}},
	mutates: true,
	actsIn:  []resource.State{resource.Stopping, resource.Stopped},
	drives:  []resource.State{resource.Pending, resource.Running},
	parse: func(params map[string]any) (Config, error) {
		c := StartConfig{Wait: DefaultWait}
		if s, ok := params["wait"].(string); ok {
			c.Wait, _ = parseDuration(s) // checked
		}
		return c, nil
	},
	permissions: func(Config) []Permission {
		return []Permission{{Actions: []string{"ec2:StartInstances"}, On: []resource.Kind{resource.Instance}, FilterScoped: true}}
	},
}
