package resource

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
)

// Type is the type of a field of a resource's Attrs.
type Type uint8

// The field types; the Go value of each in Attrs is noted.
const (
	String Type = iota + 1 // string (enums too)
	Number                 // float64
	Bool                   // bool
	Time                   // time.Time
	List                   // []any
	Object                 // map[string]any
)

var typeNames = map[Type]string{String: "string", Number: "number", Bool: "boolean", Time: "timestamp", List: "list", Object: "object"}

func (t Type) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("type(%d)", uint8(t))
}

// MarshalText writes the type's name (the schema file's form).
func (t Type) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads a type's name.
func (t *Type) UnmarshalText(b []byte) error {
	for k, n := range typeNames {
		if n == string(b) {
			*t = k
			return nil
		}
	}
	return fmt.Errorf("unknown field type %q", b)
}

// Field is one field of a kind's schema: its type, the element of a list, the fields of an
// object, the values of an enum, and, for a field that is not in the Describe call's output,
// what a read must fetch for it and what it means.
type Field struct {
	Type   Type              `json:"type"`
	Elem   *Field            `json:"elem,omitempty"`
	Fields map[string]*Field `json:"fields,omitempty"`
	Enum   []string          `json:"enum,omitempty"`
	Needs  Needs             `json:"needs,omitempty"`
	Doc    string            `json:"doc,omitempty"`
}

// Child is the field name of an object; nil when it has none.
func (f *Field) Child(name string) *Field {
	if f == nil || f.Type != Object {
		return nil
	}
	return f.Fields[name]
}

// Names lists an object's field names, sorted (for "known fields" in messages).
func (f *Field) Names() []string {
	if f == nil {
		return nil
	}
	names := make([]string, 0, len(f.Fields))
	for n := range f.Fields {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// schemaJSON holds, per kind, the fields of its Describe output shape: generated from the
// SDK's types by awsapi (go generate ./awsapi; a test there fails when it drifts).
//
//go:embed schema.json
var schemaJSON []byte

var (
	schemaOnce sync.Once
	schemas    map[Kind]*Field
	schemaErr  error
)

// Schema returns the fields of a kind's Attrs: the AWS shape with the derived fields added.
// Nil for a kind without one (network-interface). The value is shared: do not modify it.
func Schema(k Kind) *Field {
	schemaOnce.Do(func() {
		var raw map[Kind]*Field
		if schemaErr = json.Unmarshal(schemaJSON, &raw); schemaErr != nil {
			return
		}
		for kind, extra := range derived() {
			root := raw[kind]
			if root == nil {
				root = &Field{Type: Object, Fields: map[string]*Field{}}
				raw[kind] = root
			}
			for name, f := range extra {
				if g := root.Fields[name]; g != nil && f.Type == 0 {
					g.Doc, g.Needs = f.Doc, f.Needs
					continue
				}
				root.Fields[name] = f
			}
		}
		// An instance's exposure holds its subnet, network ACL and groups as those kinds.
		exp := raw[Instance].Fields["Exposure"].Fields
		exp["Subnet"] = withDoc(raw[Subnet], exp["Subnet"].Doc)
		exp["NetworkAcl"] = withDoc(raw[NetworkACL], exp["NetworkAcl"].Doc)
		exp["SecurityGroups"] = &Field{Type: List, Elem: raw[SecurityGroup], Doc: exp["SecurityGroups"].Doc}
		schemas = raw
	})
	if schemaErr != nil {
		// The embedded file is generated and tested; a broken one is a build defect.
		panic(fmt.Sprintf("resource: embedded schema.json: %v", schemaErr))
	}
	return schemas[k]
}

// SchemaJSON is the embedded generated schema (awsapi's drift test compares it).
func SchemaJSON() []byte { return schemaJSON }

func withDoc(f *Field, doc string) *Field {
	c := *f
	c.Doc = doc
	return &c
}

func obj(fields map[string]*Field) *Field { return &Field{Type: Object, Fields: fields} }
func list(elem *Field) *Field             { return &Field{Type: List, Elem: elem} }

// derived are the fields ec2guard adds to AWS's shapes: settings that have no Describe list
// call of their own (account), or that take another call (what needs says), or that AWS
// gives only in words (an instance's state transition time). A field given here with no type
// has its shape generated from the SDK (schema.json): only its doc and needs are added.
func derived() map[Kind]map[string]*Field {
	str := func(doc string, n Needs) *Field { return &Field{Type: String, Doc: doc, Needs: n} }
	boolean := func(doc string, n Needs) *Field { return &Field{Type: Bool, Doc: doc, Needs: n} }
	shaped := func(doc string, n Needs) *Field { return &Field{Doc: doc, Needs: n} }
	return map[Kind]map[string]*Field{
		Instance: {
			"StateTransitionTime":   {Type: Time, Doc: "when the instance entered its current state (from StateTransitionReason; LaunchTime when it gives none)"},
			"UserData":              str("the instance's user data, base64-decoded (DescribeInstanceAttribute userData)", NeedUserData),
			"DisableApiStop":        boolean("stop protection (DescribeInstanceAttribute disableApiStop)", NeedProtection),
			"DisableApiTermination": boolean("termination protection (DescribeInstanceAttribute disableApiTermination)", NeedProtection),
			"Exposure": {Type: Object, Needs: NeedExposure, Doc: "what decides whether the internet reaches the instance: its subnet (with RoutesToInternetGateway), that subnet's network ACL, and its security groups", Fields: map[string]*Field{
				"Subnet":         {Type: Object, Doc: "the instance's subnet, as the subnet kind"},
				"NetworkAcl":     {Type: Object, Doc: "the network ACL of the subnet, as the network-acl kind"},
				"SecurityGroups": {Type: List, Elem: &Field{Type: Object}, Doc: "the security groups of every network interface, as the security-group kind"},
			}},
		},
		SecurityGroup: {
			"IsDefault": boolean("the VPC's default group (GroupName default)", 0),
			"UsedBy":    {Type: List, Elem: &Field{Type: String}, Needs: NeedUsage, Doc: "the network interfaces that use the group (DescribeNetworkInterfaces group-id)"},
		},
		Snapshot: {
			"CreateVolumePermissions": shaped("who may create volumes from the snapshot (DescribeSnapshotAttribute createVolumePermission, one call per snapshot); Group all is everyone", NeedPermissions),
			"Public":                  boolean("shared with everyone: a createVolumePermission of group all (listed: DescribeSnapshots RestorableByUserIds=all once per place)", NeedSharing),
		},
		Image: {
			"LaunchPermissions": shaped("who may launch the image (DescribeImageAttribute launchPermission, one call per image); Group all is everyone; Public (DescribeImages) says the same of everyone without it", NeedPermissions),
		},
		LaunchTemplate: {
			"DefaultVersion": shaped("the default version (DescribeLaunchTemplateVersions $Default), its LaunchTemplateData.UserData base64-decoded", 0),
			"LatestVersion":  shaped("the latest version (DescribeLaunchTemplateVersions $Latest), its LaunchTemplateData.UserData base64-decoded", 0),
		},
		Subnet: {
			"RouteTableId":            str("the route table of the subnet (its own association, or the VPC's main table)", 0),
			"RoutesToInternetGateway": boolean("the route table sends some destination to an internet gateway (igw-)", 0),
		},
		Account: {
			"EbsEncryptionByDefault":         boolean("GetEbsEncryptionByDefault", 0),
			"EbsDefaultKmsKeyId":             str("GetEbsDefaultKmsKeyId", 0),
			"SnapshotBlockPublicAccessState": {Type: String, Enum: []string{"block-all-sharing", "block-new-sharing", "unblocked"}, Doc: "GetSnapshotBlockPublicAccessState State"},
			"ImageBlockPublicAccessState":    {Type: String, Enum: []string{"block-new-sharing", "unblocked"}, Doc: "GetImageBlockPublicAccessState ImageBlockPublicAccessState"},
			"InstanceMetadataDefaults":       shaped("GetInstanceMetadataDefaults AccountLevel", 0),
			"Unread":                         {Type: List, Elem: &Field{Type: String}, Doc: "the settings whose call failed (their fields are absent): a control on one is an error, not a failure"},
		},
	}
}
