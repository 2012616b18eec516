package actions

import (
	"errors"
	"fmt"
	"time"
)

// Config is an action's parameters parsed into a typed value, once, where the rule file is
// loaded (Parse): validate, deploy and the run use that one value, so what validate accepts
// is what a run builds.
type Config interface {
	Action() string // the action's name
}

// The typed configurations of the actions.
type (
	StartConfig struct {
		Wait time.Duration // how long to wait for a stopping instance
	}
	StopConfig struct {
		Force bool // turn DisableApiStop off first
	}
	ProtectConfig struct {
		Stop, Termination *bool // DisableApiStop, DisableApiTermination; nil leaves it as it is
	}
	TagConfig struct {
		Tags      map[string]tmpl // key → value template
		Overwrite bool
		Confirm   bool // confirm the call with CloudTrail's event history
	}
	TellOwnerConfig struct {
		Topic, Control, Severity string
		Problem, Fix, Exception  tmpl // empty where the rule gives none
	}
	NotifyConfig struct {
		Topic            string
		Subject, Message tmpl // the defaults where the rule gives none
		Always           bool
	}
)

func (StartConfig) Action() string     { return "start" }
func (StopConfig) Action() string      { return "stop" }
func (ProtectConfig) Action() string   { return "protect" }
func (TagConfig) Action() string       { return "tag" }
func (NotifyConfig) Action() string    { return "notify" }
func (TellOwnerConfig) Action() string { return "tell-owner" }

// DefaultWait is how long start waits for a stopping instance unless told.
const DefaultWait = 2 * time.Minute

// Parse checks an action's name and parameters and parses them into its configuration: every
// check a run makes of them, made once.
func Parse(name string, params map[string]any) (Config, error) {
	if err := check(name, params); err != nil {
		return nil, err
	}
	switch name {
	case "start":
		c := StartConfig{Wait: DefaultWait}
		if s, ok := params["wait"].(string); ok {
			c.Wait, _ = parseDuration(s) // checked
		}
		return c, nil
	case "stop":
		force, _ := params["force"].(bool)
		return StopConfig{Force: force}, nil
	case "protect":
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
	case "tag":
		c := TagConfig{Tags: map[string]tmpl{}}
		c.Overwrite, _ = params["overwrite"].(bool)
		c.Confirm, _ = params["confirm"].(bool)
		for k, v := range params["tags"].(map[string]any) {
			tpl, err := parseTemplate(v.(string))
			if err != nil {
				return nil, fmt.Errorf("tag %q: %w", k, err)
			}
			c.Tags[k] = tpl
		}
		return c, nil
	case "tell-owner":
		var c TellOwnerConfig
		c.Topic, _ = params["topic"].(string)
		c.Control, _ = params["control"].(string)
		c.Severity, _ = params["severity"].(string)
		for k, dst := range map[string]*tmpl{"problem": &c.Problem, "fix": &c.Fix, "exception": &c.Exception} {
			if s, ok := params[k].(string); ok {
				t, err := parseTemplate(s)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", k, err)
				}
				*dst = t
			}
		}
		return c, nil
	case "notify":
		c := NotifyConfig{Topic: params["topic"].(string)}
		c.Always, _ = params["always"].(bool)
		subject, _ := params["subject"].(string)
		if subject == "" {
			subject = defaultSubject
		}
		message, _ := params["message"].(string)
		if message == "" {
			message = defaultMessage
		}
		var err error
		if c.Subject, err = parseTemplate(subject); err != nil {
			return nil, fmt.Errorf("subject: %w", err)
		}
		if c.Message, err = parseTemplate(message); err != nil {
			return nil, fmt.Errorf("message: %w", err)
		}
		return c, nil
	}
	return nil, fmt.Errorf("unknown action %q", name)
}

// ParseSpec is Parse for rules.Options.ParseAction: the loader keeps the value in
// rules.ActionSpec.Config.
func ParseSpec(name string, params map[string]any) (any, error) { return Parse(name, params) }

// Check validates an action's name and parameters: Parse without the value.
func Check(name string, params map[string]any) error {
	_, err := Parse(name, params)
	return err
}
