// Package resource names what ec2guard judges: the EC2 resource kinds, the instance states,
// the place (account and region) a resource lives in, and the value a resource is read into —
// its kind, id, tags, state and its configuration as a tree in AWS's own field names (the
// Describe* output shapes), typed by the schema of its kind (schema.go, generated from the
// SDK's types by awsapi). It imports no AWS SDK: the rule loader, validate and deploy use it.
//
// API:
//
//	Kind, Kinds(), ParseKind(string)        // instance, security-group, volume, ...
//	State, States()                         // pending, running, ...
//	Place{Account, Region}, Ref{Kind, ID, Place}
//	Resource{Ref, Exists, State, Tags, Attrs}
//	Needs                                   // what a read must fetch beyond the kind's Describe
//	Schema(Kind) *Field                     // the fields of Attrs, with their types
package resource

import (
	"fmt"
	"slices"
	"strings"
)

// Kind is a kind of EC2 resource.
type Kind string

// The kinds rules judge, and the network interface (tagged with its instance, never judged).
const (
	Instance         Kind = "instance"
	SecurityGroup    Kind = "security-group"
	Volume           Kind = "volume"
	Snapshot         Kind = "snapshot"
	Image            Kind = "image"
	Address          Kind = "address"
	LaunchTemplate   Kind = "launch-template"
	Subnet           Kind = "subnet"
	NetworkACL       Kind = "network-acl"
	Account          Kind = "account" // the account's settings in one region; its ID is the account id
	NetworkInterface Kind = "network-interface"
	// VPC is where quarantine makes its isolation group: a grant's resource, never judged.
	VPC Kind = "vpc"
)

var kinds = []Kind{Instance, SecurityGroup, Volume, Snapshot, Image, Address, LaunchTemplate, Subnet, NetworkACL, Account}

// Kinds returns the kinds rules judge, in a fixed order.
func Kinds() []Kind { return slices.Clone(kinds) }

// ParseKind reads a kind's name; ok is false for a name that is none.
func ParseKind(s string) (k Kind, ok bool) {
	k = Kind(s)
	return k, slices.Contains(kinds, k) || k == NetworkInterface
}

// KindNames lists the names of the kinds rules judge, for messages.
func KindNames() string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// State is an instance state (EC2's InstanceStateName).
type State string

// The instance states.
const (
	Pending      State = "pending"
	Running      State = "running"
	Stopping     State = "stopping"
	Stopped      State = "stopped"
	ShuttingDown State = "shutting-down"
	Terminated   State = "terminated"
)

var states = []State{Pending, Running, Stopping, Stopped, ShuttingDown, Terminated}

// States returns every instance state, in lifecycle order.
func States() []State { return slices.Clone(states) }

// Live returns the states of an instance that can still be acted on (not terminated).
func Live() []State { return slices.Clone(states[:len(states)-1]) }

// ParseState reads a state's name.
func ParseState(s string) (State, bool) {
	st := State(s)
	return st, slices.Contains(states, st)
}

// Place is where a resource lives: an account ("" for the account of ec2guard's own
// credentials) and a region. Every AWS call ec2guard makes names its place explicitly.
type Place struct {
	Account string
	Region  string
}

func (p Place) String() string {
	if p.Account == "" {
		return p.Region
	}
	return "account " + p.Account + " in " + p.Region
}

// Ref names one resource.
type Ref struct {
	Kind Kind
	ID   string
	Place
}

func (r Ref) String() string { return fmt.Sprintf("%s %s", r.Kind, r.ID) }

// Key is the resource's name in budgets and ledger keys: "kind:id".
func (r Ref) Key() string { return string(r.Kind) + ":" + r.ID }

// Resource is a resource as it is now, read once per event (or per scan page) and handed to
// every rule's filters and actions.
type Resource struct {
	Ref
	Exists bool              // false when AWS no longer knows the resource
	State  State             // instances: the state name; "" for other kinds
	Tags   map[string]string // current tags
	// Attrs is the kind's configuration as Describe* returns it, in AWS's field names, with
	// the derived fields its schema adds (schema.go): map[string]any of string, float64, bool,
	// time.Time, []any and map[string]any. A field AWS leaves out is absent. Nil when the
	// resource was not described (no filter needed more than its id and kind).
	Attrs map[string]any
	// Read is what was fetched: a filter that needs more than that must not be judged on it.
	Read Needs
}

// Needs says what a read of a resource must fetch. Each bit costs AWS calls of its own.
type Needs uint8

// The parts of a read.
const (
	NeedDescribe    Needs = 1 << iota // state, tags and Attrs (the kind's Describe call)
	NeedUserData                      // instance and launch template: user data, decoded (Attrs.UserData)
	NeedExposure                      // instance: its subnet's routes, network ACL and security groups (Attrs.Exposure)
	NeedUsage                         // security group, volume, address: what uses it (Attrs.UsedBy)
	NeedSharing                       // snapshot: whether it is public (Attrs.Public; in a list, one DescribeSnapshots RestorableByUserIds=all per place)
	NeedProtection                    // instance: DisableApiStop and DisableApiTermination (two DescribeInstanceAttribute calls)
	NeedPermissions                   // snapshot, image: who may use it (Attrs.CreateVolumePermissions, LaunchPermissions: one call per resource)
)

// Has reports whether n includes every part of m.
func (n Needs) Has(m Needs) bool { return n&m == m }
