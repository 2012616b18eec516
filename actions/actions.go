// Package actions defines what ec2guard can do to a resource — start, stop, protect, tag,
// notify, tell-owner — as the rule loader, validate and deploy need it, without touching AWS:
// each action's parameters and the typed configuration they parse into, the instance states
// it acts in and drives resources to, and the IAM permissions it needs. One file an action,
// listed in all; package act carries them out.
package actions

import (
	"slices"
	"sort"

	"github.com/ec2guard/ec2guard/resource"
)

// def is one action's definition.
type def struct {
	name   string
	doc    string
	params map[string]param
	// mutates: the action changes AWS state (it obeys dry run, the loop budget and the caps).
	mutates bool
	// destroys: what it changes cannot be had back (terminate, delete-volume,
	// release-address); a rule naming it must say confirm-destroy: true.
	destroys bool
	// needsCall: it acts on what a CloudTrail call did (its caller, what it created), so a
	// scan, which has no call, never applies its rule (engine.CallBound).
	needsCall bool
	// actsIn lists the instance states in which the action changes the instance (elsewhere
	// it checks and skips); drives lists the states it moves the instance to, in order: the
	// events it causes, which other rules may select (the loop check reads both).
	actsIn, drives []resource.State
	// parse builds the configuration of checked parameters (check has run).
	parse func(params map[string]any) (Config, error)
	// permissions is what the action with this configuration needs of IAM.
	permissions func(Config) []Permission
}

// all lists every action, one definition a file.
var all = []*def{
	startDef,
	stopDef,
	protectDef,
	tagDef,
	notifyDef,
	tellOwnerDef,
	requireIMDSv2Def,
	makePrivateDef,
	enableEbsEncryptionDef,
	blockPublicAccessDef,
	revokeIngressDef,
	snapshotDef,
	terminateDef,
	deleteVolumeDef,
	releaseAddressDef,
	restrictIngressDef,
	quarantineDef,
}

func lookup(name string) (*def, bool) {
	i := slices.IndexFunc(all, func(d *def) bool { return d.name == name })
	if i < 0 {
		return nil, false
	}
	return all[i], true
}

// Names returns the action names, sorted.
func Names() []string {
	names := make([]string, 0, len(all))
	for _, d := range all {
		names = append(names, d.name)
	}
	sort.Strings(names)
	return names
}

// NeedsCall reports whether the action acts on what a CloudTrail call did (tag: its caller,
// what it created): a rule with it is applied by events alone, never by a scan or a timer.
func NeedsCall(name string) bool {
	d, ok := lookup(name)
	return ok && d.needsCall
}

// Doc is the action's one-line description ("" for an unknown one).
func Doc(name string) string {
	if d, ok := lookup(name); ok {
		return d.doc
	}
	return ""
}

// Config is an action's parameters parsed into a typed value, once, where the rule file is
// loaded (Parse): validate, deploy and the run use that one value, so what validate accepts
// is what a run builds.
type Config interface {
	Action() string // the action's name
}

// Parse checks an action's name and parameters and parses them into its configuration: every
// check a run makes of them, made once.
func Parse(name string, params map[string]any) (Config, error) {
	if err := check(name, params); err != nil {
		return nil, err
	}
	d, _ := lookup(name) // check knows it
	return d.parse(params)
}

// ParseSpec is Parse for rules.Options.ParseAction: the loader keeps the value in
// rules.ActionSpec.Config.
func ParseSpec(name string, params map[string]any) (any, error) { return Parse(name, params) }

// Check validates an action's name and parameters: Parse without the value.
func Check(name string, params map[string]any) error {
	_, err := Parse(name, params)
	return err
}

// Mutating reports whether the action named changes AWS state, as the built action's
// Mutating says (a test in package act holds them together): validate asks it of rules
// without building their actions.
func Mutating(name string) bool {
	d, ok := lookup(name)
	return ok && d.mutates
}

// Destroys reports whether the action named destroys what it acts on (rules.Options.Destroys):
// a rule that names it must say confirm-destroy: true.
func Destroys(name string) bool {
	d, ok := lookup(name)
	return ok && d.destroys
}

// Destroying returns the names of the actions that destroy, in the order of all.
func Destroying() []string {
	var out []string
	for _, d := range all {
		if d.destroys {
			out = append(out, d.name)
		}
	}
	return out
}

// Transitions returns the instance states in which the action changes an instance (from) and
// the states it moves it to (to); both nil for actions that do not change instance state.
func Transitions(name string, _ map[string]any) (from, to []string) {
	d, ok := lookup(name)
	if !ok {
		return nil, nil
	}
	return names(d.actsIn), names(d.drives)
}

// names are the states' names, for the rule loader's loop check (nil for none).
func names(states []resource.State) []string {
	if states == nil {
		return nil
	}
	out := make([]string, len(states))
	for i, st := range states {
		out[i] = string(st)
	}
	return out
}

// Permission is what an action needs from IAM to do its work, for a deployment to grant it
// and nothing more.
type Permission struct {
	Actions []string // IAM actions
	// On lists the EC2 resource types the actions act on (instance, volume, network-interface,
	// snapshot, image); Resources lists literal ARNs instead (an SNS topic).
	On        []resource.Kind
	Resources []string
	// FilterScoped: the action acts on the very resource the rule's filters read, so the
	// filters' tag conditions (ec2:ResourceTag/...) may narrow the grant. An action that also
	// acts on other resources (tag: an instance's volumes) is not.
	FilterScoped bool
	// TagKeys are the only tag keys the action writes (aws:TagKeys); unless Overwrite, only
	// where the resource lacks them (the action adds one key a call, absent keys only).
	TagKeys   []string
	Overwrite bool
	// For, when set, grants it only to a rule that judges that kind: an action that acts on
	// several kinds (require-imdsv2: instances, launch templates, the account) needs for each
	// only its own calls.
	For resource.Kind
	// Condition is what the grant always carries (make-private: only an image public now).
	Condition map[string]map[string]any
}

// ReadPermissions are the read-only calls every deployment makes: the engine reads the
// resource its filters look at, actions re-read an instance before acting, tag reads what
// a resource already carries and checks what an event claims a call created against the
// instances, volumes, snapshots and images (their creation times), stop reads stop protection. EC2's
// Describe calls do not support resource-level permissions.
var ReadPermissions = []string{"ec2:DescribeImages", "ec2:DescribeInstanceAttribute", "ec2:DescribeInstances", "ec2:DescribeSnapshots", "ec2:DescribeTags", "ec2:DescribeVolumes"}

// Permissions returns what the action with these (valid) parameters needs (nil for parameters
// that do not parse).
func Permissions(name string, params map[string]any) []Permission {
	cfg, err := Parse(name, params)
	if err != nil {
		return nil
	}
	return PermissionsOf(cfg)
}

// PermissionsOf returns what the action of a configuration needs.
func PermissionsOf(cfg Config) []Permission {
	d, ok := lookup(cfg.Action())
	if !ok || d.permissions == nil {
		return nil
	}
	return d.permissions(cfg)
}
