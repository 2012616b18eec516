// Package controls is the EC2 control catalogue: Security Hub's EC2 controls, CIS AWS
// Foundations' EC2 items and Prowler's EC2 checks as ec2guard controls. Each control is one
// value in its own file (IDs, title, severity, rationale, remediation, references, the kind
// it judges, the filters that find a failing resource, the CloudTrail events that can make
// one fail, its parameters and its remediation actions), listed explicitly by All.
//
// A control's filters are written as a rule file writes them and compiled by package
// rules' own loader (rules.ParseFilters): a control is judged by the code that judges a
// user's rule, with no evaluator of its own. Evaluation is pure: a resource as read, and
// the clock, in; a verdict (pass, fail, not-applicable, error) out.
package controls

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/severity"
)

// Severity ranks a control, and a failing resource: the scale package severity defines for checks and controls alike.
type Severity = severity.Level

// Severities, lowest first.
const (
	Low      = severity.Low
	Medium   = severity.Medium
	High     = severity.High
	Critical = severity.Critical
)

// ParseSeverity reads a severity's name, in any case.
func ParseSeverity(name string) (Severity, error) { return severity.Parse(name) }

// Case is one way to fail a control: filters as a rule file writes them (a YAML list), all
// of which hold of a failing resource. ${param:NAME} stands for a parameter's value.
type Case struct {
	Why     string // what is wrong with a resource of this case, for its record's reason
	Filters string
}

// Grade gives a failing resource a severity of its own: the first grade whose filters all
// hold (none: always) is its severity.
type Grade struct {
	Severity Severity
	Why      string
	Filters  string
}

// ParamType is the type of a control's parameter.
type ParamType int

// Parameter types.
const (
	ParamInt   ParamType = iota + 1 // a whole number within Min and Max
	ParamPorts                      // a list of ports and ranges ([80, 443, "8000-8100"]); may be empty
)

// Param is one parameter of a control.
type Param struct {
	Name     string // as a rule file writes it (allowed-days)
	AWSName  string // as Security Hub names it (AllowedDays), where it has it
	Doc      string
	Type     ParamType
	Min, Max int // ParamInt
	Default  any // int (ParamInt) or []any of ints and "LO-HI" strings (ParamPorts)
}

// Control is one control of the catalogue.
type Control struct {
	ID          string   // ours: EC2G-AREA-N
	SecurityHub string   // Security Hub's control ID (EC2.8), "" where it has none
	CIS         []string // CIS AWS Foundations items ("v3.0.0 5.6")
	Prowler     []string // Prowler check IDs
	Title       string
	Severity    Severity // Security Hub's for its controls; the highest it reports for graded ones
	Rationale   string
	Remediation string
	References  []string
	Kind        resource.Kind // the kind it judges
	// Scope is filters (a YAML list) that say which resources of Kind the control judges;
	// the others are not applicable, for the reason OutOfScope. "": every one.
	Scope      string
	OutOfScope string
	Fails      []Case // a resource fails when some case's filters all hold
	Pass       string // what a passing resource is, for its record's reason
	Grades     []Grade
	// Events are the CloudTrail calls (of ec2.amazonaws.com) that can make a resource fail:
	// EventBridge then brings the control's rules the resource to judge at once.
	Events []string
	// States are instance states whose EC2 Instance State-change Notification can make an
	// instance fail (EC2.4: stopped); the pattern selects those instead of CloudTrail calls.
	States  []string
	Params  []Param
	Actions []string // the remediation actions that fix a failing resource
	// ActionParams are parameters the control gives an action of a `- control:` entry where
	// the entry does not (by the action's name): which part of a setting it fixes.
	ActionParams map[string]map[string]any
	// Setting is the account setting an account control judges: when its call failed (the
	// read names it in Unread), the verdict is an error, not a failure.
	Setting string
	// Periodic says only a scan can judge it (an age): the events alone never make a
	// resource fail.
	Periodic bool
}

// All returns every control, in ID order. The list is explicit: nothing registers itself.
func All() []*Control {
	return []*Control{
		encVolume, encDefault, encLaunchTemplate, encSnapshot,
		idleStopped, idleAddress, idleVolume,
		imdsInstance, imdsLaunchTemplate, imdsAccount,
		netDefaultGroup, netSSH, netRDP, netAuthorizedPorts, netHighRisk, netAdminIPv4, netAdminIPv6,
		netACL, netPublicIP, netSubnetAutoAssign, netLaunchTemplatePublicIP, netExposedInstance,
		pubSnapshot, pubImage, pubSnapshotBlock, pubImageBlock,
		secretUserData, secretLaunchTemplate,
	}
}

// ByID returns the control with our ID or its Security Hub ID (any case).
func ByID(id string) (*Control, bool) {
	for _, c := range All() {
		if strings.EqualFold(c.ID, id) || c.SecurityHub != "" && strings.EqualFold(c.SecurityHub, id) {
			return c, true
		}
	}
	return nil, false
}

// Select reads a --controls list: all, or our IDs and Security Hub IDs, comma-separated.
func Select(list string) ([]*Control, error) {
	var out []*Control
	for _, id := range strings.Split(list, ",") {
		id = strings.TrimSpace(id)
		switch {
		case id == "":
			continue
		case strings.EqualFold(id, "all"):
			return All(), nil
		}
		c, ok := ByID(id)
		if !ok {
			return nil, unknownControl(id)
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no control named: give all, or IDs such as EC2.8 or %s", imdsInstance.ID)
	}
	return out, nil
}

func unknownControl(id string) error {
	return fmt.Errorf("unknown control %q (ec2guard controls lists them: our IDs such as %s, or Security Hub IDs such as EC2.13)", id, imdsInstance.ID)
}

// Pattern is the EventBridge pattern of the control's events: the CloudTrail calls that can
// make a resource fail it.
func (c *Control) Pattern() []byte {
	if len(c.States) > 0 {
		return mustJSON(map[string]any{
			"source":      []string{"aws.ec2"},
			"detail-type": []string{"EC2 Instance State-change Notification"},
			"detail":      map[string]any{"state": c.States},
		})
	}
	return mustJSON(map[string]any{
		"source":      []string{"aws.ec2"},
		"detail-type": []string{"AWS API Call via CloudTrail"},
		"detail": map[string]any{
			"eventSource": []string{"ec2.amazonaws.com"},
			"eventName":   c.Events,
		},
	})
}

func mustJSON(p map[string]any) []byte {
	b, err := json.Marshal(p)
	if err != nil { // strings and lists of strings always marshal
		panic(err)
	}
	return b
}

// Param returns the control's parameter of that name.
func (c *Control) Param(name string) (*Param, bool) {
	for i := range c.Params {
		if c.Params[i].Name == name {
			return &c.Params[i], true
		}
	}
	return nil, false
}

// Account says whether the control judges a place's account settings: its records name the
// account as the resource.
func (c *Control) Account() bool { return c.Kind == resource.Account }
