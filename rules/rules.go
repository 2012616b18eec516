// Package rules loads ec2guard's rule file: YAML or JSON, every problem reported at once with
// its file:line:col. A rule selects events with an EventBridge pattern (validated and compiled
// by package pattern), narrows them with filters on the resource as it is now, and names the
// actions to run, in dry-run mode unless it says enforce.
//
// API (stable; the engine and the CLI build on it):
//
//	Load(file string, src []byte, opts Options) (*Set, error)   // error is Errors
//	Set{Rules []*Rule; Matcher *pattern.Matcher}                // Matcher indexes = Rules indexes
//	Rule{Name, Description, Pattern, Resources, Filters, Actions, Mode, Loc}
//	Filter.Match(*resource.Resource, now time.Time) bool; Filter.Needs() resource.Needs
//	Filter.NeedsFor(resource.Kind) resource.Needs  // what one kind's read must fetch
package rules

import (
	"fmt"
	"strings"

	"github.com/ec2guard/ec2guard/pattern"
	"github.com/ec2guard/ec2guard/resource"
)

// Location is a place in a rule file.
type Location struct {
	File         string
	Line, Column int
}

func (l Location) String() string { return fmt.Sprintf("%s:%d:%d", l.File, l.Line, l.Column) }

// Error is one problem in a rule file.
type Error struct {
	Loc Location
	Msg string
}

func (e *Error) Error() string { return e.Loc.String() + ": " + e.Msg }

// Errors is every problem Load found, in file order.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Mode says whether a rule's mutating actions run.
type Mode string

// The modes; DryRun is the default.
const (
	Enforce Mode = "enforce"
	DryRun  Mode = "dry-run"
)

// Options configure Load.
type Options struct {
	// Vars fill ${var:NAME} in any string value; an unset variable is an error.
	Vars map[string]string
	// CheckAction validates an action's name and parameters (package actions supplies it);
	// nil accepts any action.
	CheckAction func(name string, params map[string]any) error
	// ParseAction checks an action as CheckAction does and parses its parameters into their
	// typed configuration, kept in ActionSpec.Config, so that what validate checks is what a
	// run builds (package actions supplies it: actions.ParseSpec); it is used instead of
	// CheckAction when set.
	ParseAction func(name string, params map[string]any) (any, error)
	// Transitions returns the instance states in which an action changes an instance and the
	// states it moves it to (package actions supplies it); Load reports rules whose actions
	// trigger each other. Nil skips the check.
	Transitions func(name string, params map[string]any) (from, to []string)
	// Reach reports rules whose patterns select no event ec2guard acts on (one that names no
	// resource: CloudTrail StopInstances, CreateTags...), which would never run their actions.
	Reach bool
	// ReadFile reads the files a rule file names (ICS calendars, the owner map), relative to
	// its folder; nil: os.ReadFile.
	ReadFile func(path string) ([]byte, error)
	// AllowLoopbackHTTP admits http:// webhook URLs to loopback hosts (tests only).
	AllowLoopbackHTTP bool
	// Controls gives the rules a control of the catalogue stands for, with parameters
	// (package controls supplies it: controls.RuleSource); a `- control: ID` entry is an
	// error without it. An error with ParamName() is reported at that parameter.
	Controls func(id string, params map[string]any) ([]ControlRule, error)
	// Destroys says whether an action destroys what it acts on (package actions supplies it:
	// actions.Destroys); a rule naming one must say confirm-destroy: true (destroy.go). Nil
	// skips the check.
	Destroys func(name string) bool
}

// Set is a loaded rule file: its rules and one matcher for all their patterns.
type Set struct {
	Rules   []*Rule
	Matcher *pattern.Matcher // Match returns indexes into Rules
	Tables                   // calendars, schedules, owners (owners.go)
}

// Rule is one rule of the file.
type Rule struct {
	Name        string
	Description string
	Pattern     []byte // the EventBridge pattern as JSON, as it would be installed
	// Parsed is Pattern as Load parsed and validated it, once, for the matcher and the
	// checks that read the pattern (nil in a Rule built by hand: they parse Pattern then).
	Parsed  *pattern.Pattern
	Filters []Filter
	// Resources are the kinds the rule judges (`resources:`); the default is what its
	// pattern's events concern (instance for state changes). A target of another kind is
	// not judged by the rule.
	Resources []resource.Kind
	Actions   []ActionSpec
	Mode      Mode
	Loc       Location
	Timing    // grace, min-age, exceptions, schedule (owners.go)
	// ConfirmDestroy is the rule's confirm-destroy: true, which an action that destroys
	// (terminate, delete-volume, release-address) needs (destroy.go).
	ConfirmDestroy bool
	// Control is the `- control:` entry the rule comes from (nil for a rule of its own): the
	// deployed function's scans also send that control's findings to Security Hub.
	Control *ControlEntry
}

// ControlEntry names a control of the catalogue and the parameters a rule file gave it.
type ControlEntry struct {
	ID     string
	Params map[string]any
}

// ActionSpec is an action as written: its name and parameters (variables filled in), and
// their typed configuration as Options.ParseAction made it (nil without one).
type ActionSpec struct {
	Name   string
	Params map[string]any
	Config any
	Loc    Location
}
