package actions

import "fmt"

// NotifyConfig is notify's configuration.
type NotifyConfig struct {
	Topic            string
	Subject, Message Template // the defaults where the rule gives none
	Always           bool
}

func (NotifyConfig) Action() string { return "notify" }

var notifyDef = &def{
	name: "notify",
	doc:  "publish to an SNS topic",
	params: map[string]param{
		"topic":   {kind: pTopicARN, required: true, doc: "the SNS topic ARN (arn:PARTITION:sns:REGION:ACCOUNT:NAME)"},
		"subject": {kind: pString, template: true, doc: "subject template"},
		"message": {kind: pString, template: true, doc: "message template"},
		"always":  {kind: pBool, doc: "notify even when every earlier action of the rule was skipped (nothing was done)"},
	},
	parse: func(params map[string]any) (Config, error) {
		c := NotifyConfig{Topic: params["topic"].(string)}
		c.Always, _ = params["always"].(bool)
		subject, _ := params["subject"].(string)
		if subject == "" {
			subject = DefaultSubject
		}
		message, _ := params["message"].(string)
		if message == "" {
			message = DefaultMessage
		}
		var err error
		if c.Subject, err = ParseTemplate(subject); err != nil {
			return nil, fmt.Errorf("subject: %w", err)
		}
		if c.Message, err = ParseTemplate(message); err != nil {
			return nil, fmt.Errorf("message: %w", err)
		}
		return c, nil
	},
	permissions: func(cfg Config) []Permission {
		return []Permission{{Actions: []string{"sns:Publish"}, Resources: []string{cfg.(NotifyConfig).Topic}}}
	},
}
