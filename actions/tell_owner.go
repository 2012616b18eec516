package actions

import "fmt"

// TellOwnerConfig is tell-owner's configuration.
type TellOwnerConfig struct {
	Topic, Control, Severity string
	Problem, Fix, Exception  Template // empty where the rule gives none
}

func (TellOwnerConfig) Action() string { return "tell-owner" }

var tellOwnerDef = &def{
	name: "tell-owner",
	doc:  "tell the resource's owner what is wrong, what was or will be done when, how to fix it (the rule file's owner map, and/or a topic with message attributes)",
	params: map[string]param{
		"topic":     {kind: pTopicARN, doc: "an SNS topic for owners without one in the owner map (attributes owner, principal_id, rule, control, severity, account)"},
		"problem":   {kind: pString, template: true, doc: "what is wrong (template)"},
		"fix":       {kind: pString, template: true, doc: "how to fix it (template)"},
		"exception": {kind: pString, template: true, doc: "how to ask for an exception (template)"},
		"control":   {kind: pString, doc: "the guardrail's id, for filter policies"},
		"severity":  {kind: pString, doc: "low, medium, high or critical, for filter policies"},
	},
	parse: func(params map[string]any) (Config, error) {
		var c TellOwnerConfig
		c.Topic, _ = params["topic"].(string)
		c.Control, _ = params["control"].(string)
		c.Severity, _ = params["severity"].(string)
		for _, f := range []struct {
			key string
			dst *Template
		}{{"problem", &c.Problem}, {"fix", &c.Fix}, {"exception", &c.Exception}} {
			if s, ok := params[f.key].(string); ok {
				t, err := ParseTemplate(s)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", f.key, err)
				}
				*f.dst = t
			}
		}
		return c, nil
	},
	permissions: func(cfg Config) []Permission {
		// The owner map's topics are not parameters: a deployment grants them apart.
		if topic := cfg.(TellOwnerConfig).Topic; topic != "" {
			return []Permission{{Actions: []string{"sns:Publish"}, Resources: []string{topic}}}
		}
		return nil
	},
}
