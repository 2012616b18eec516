package awsapi

import (
	"reflect"
	"sync"
	"time"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/resource"
)

// A resource's Attrs is its Describe output as a tree in AWS's field names: the SDK's Go
// field names are the API's member names (MetadataOptions.HttpTokens). The tree and the
// schema the rule loader checks paths against (resource/schema.json) are both derived here,
// by the same walk over the SDK's types, so they cannot disagree.

// shapes are the SDK types whose fields are each kind's Attrs; nested maps compose a kind
// of several calls (a launch template and its versions, the account's settings).
func shapes() map[resource.Kind]map[string]reflect.Type {
	return map[resource.Kind]map[string]reflect.Type{
		resource.Instance:      {"": reflect.TypeFor[ec2types.Instance]()},
		resource.SecurityGroup: {"": reflect.TypeFor[ec2types.SecurityGroup]()},
		resource.Volume:        {"": reflect.TypeFor[ec2types.Volume]()},
		resource.Snapshot: {
			"":                        reflect.TypeFor[ec2types.Snapshot](),
			"CreateVolumePermissions": reflect.TypeFor[[]ec2types.CreateVolumePermission](),
		},
		resource.Image: {
			"":                  reflect.TypeFor[ec2types.Image](),
			"LaunchPermissions": reflect.TypeFor[[]ec2types.LaunchPermission](),
		},
		resource.Address: {"": reflect.TypeFor[ec2types.Address]()},
		resource.LaunchTemplate: {
			"":               reflect.TypeFor[ec2types.LaunchTemplate](),
			"DefaultVersion": reflect.TypeFor[ec2types.LaunchTemplateVersion](),
			"LatestVersion":  reflect.TypeFor[ec2types.LaunchTemplateVersion](),
		},
		resource.Subnet:     {"": reflect.TypeFor[ec2types.Subnet]()},
		resource.NetworkACL: {"": reflect.TypeFor[ec2types.NetworkAcl]()},
		resource.Account: {
			"InstanceMetadataDefaults": reflect.TypeFor[ec2types.InstanceMetadataDefaultsResponse](),
		},
	}
}

// generatedSchema is what resource/schema.json must hold.
func generatedSchema() map[resource.Kind]*resource.Field {
	out := map[resource.Kind]*resource.Field{}
	for kind, parts := range shapes() {
		root := &resource.Field{Type: resource.Object, Fields: map[string]*resource.Field{}}
		for name, t := range parts {
			f := fieldOf(t, 0)
			if name == "" {
				for n, g := range f.Fields {
					root.Fields[n] = g
				}
				continue
			}
			root.Fields[name] = f
		}
		out[kind] = root
	}
	return out
}

var timeType = reflect.TypeFor[time.Time]()

// isEnum reports whether t is an SDK enum: a string type with a Values method (on the zero
// value) that lists its values, as []T.
func isEnum(t reflect.Type) bool {
	if v, ok := enums.Load(t); ok {
		return v.(bool)
	}
	m, ok := t.MethodByName("Values")
	is := ok && t.Kind() == reflect.String && m.Type.NumIn() == 1 && m.Type.NumOut() == 1 && m.Type.Out(0) == reflect.SliceOf(t)
	enums.Store(t, is)
	return is
}

// enums caches isEnum per type: MethodByName is slow, and Tree asks it of every string.
var enums sync.Map // reflect.Type → bool

// maxDepth bounds the walk: EC2's shapes are not recursive, but nothing here relies on it.
const maxDepth = 16

// maxEnum is the longest enum the schema lists.
const maxEnum = 64

// fieldOf is the schema of a Go type of the SDK.
func fieldOf(t reflect.Type, depth int) *resource.Field {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if depth > maxDepth {
		return &resource.Field{Type: resource.Object}
	}
	switch {
	case t == timeType:
		return &resource.Field{Type: resource.Time}
	case t.Kind() == reflect.String:
		f := &resource.Field{Type: resource.String}
		if isEnum(t) {
			// Long enums (instance types: ~900, and a new one each SDK release) are left
			// open: the schema would churn with every upgrade for little use in a check.
			if vals := enumValues(t); len(vals) <= maxEnum {
				f.Enum = vals
			}
		}
		return f
	case t.Kind() == reflect.Bool:
		return &resource.Field{Type: resource.Bool}
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64:
		return &resource.Field{Type: resource.Number}
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return &resource.Field{Type: resource.String}
	case t.Kind() == reflect.Slice:
		return &resource.Field{Type: resource.List, Elem: fieldOf(t.Elem(), depth+1)}
	case t.Kind() == reflect.Struct:
		f := &resource.Field{Type: resource.Object, Fields: map[string]*resource.Field{}}
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() || sf.Type.Kind() == reflect.Interface || sf.Type.Kind() == reflect.Map {
				continue
			}
			f.Fields[sf.Name] = fieldOf(sf.Type, depth+1)
		}
		return f
	}
	return &resource.Field{Type: resource.String}
}

// enumValues calls the Values method SDK enum types have, on the zero value.
func enumValues(t reflect.Type) []string {
	m, _ := t.MethodByName("Values")
	out := m.Func.Call([]reflect.Value{reflect.Zero(t)})
	if len(out) != 1 || out[0].Kind() != reflect.Slice {
		return nil
	}
	vals := make([]string, out[0].Len())
	for i := range vals {
		vals[i] = out[0].Index(i).String()
	}
	return vals
}

// Tree converts an SDK value (a struct, or a pointer to one) to a resource's Attrs: what AWS
// left out (nil pointers and slices, empty enums) is absent.
func Tree(v any) map[string]any {
	m, _ := treeOf(reflect.ValueOf(v), 0).(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

func treeOf(v reflect.Value, depth int) any {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if depth > maxDepth || !v.IsValid() {
		return nil
	}
	switch {
	case v.Type() == timeType:
		return v.Interface().(time.Time)
	case v.Kind() == reflect.String:
		if v.Len() == 0 && isEnum(v.Type()) {
			return nil // an enum AWS did not send
		}
		return v.String()
	case v.Kind() == reflect.Bool:
		return v.Bool()
	case v.Kind() >= reflect.Int && v.Kind() <= reflect.Int64:
		return float64(v.Int())
	case v.Kind() >= reflect.Uint && v.Kind() <= reflect.Uint64:
		return float64(v.Uint())
	case v.Kind() == reflect.Float32 || v.Kind() == reflect.Float64:
		return v.Float()
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8:
		if v.IsNil() {
			return nil
		}
		return string(v.Bytes())
	case v.Kind() == reflect.Slice:
		if v.IsNil() {
			return nil
		}
		out := make([]any, 0, v.Len())
		for i := range v.Len() {
			if e := treeOf(v.Index(i), depth+1); e != nil {
				out = append(out, e)
			}
		}
		return out
	case v.Kind() == reflect.Struct:
		fields := fieldsOf(v.Type())
		out := make(map[string]any, len(fields))
		for _, f := range fields {
			if e := treeOf(v.Field(f.index), depth+1); e != nil {
				out[f.name] = e
			}
		}
		return out
	}
	return nil
}

// treeField is a field of an SDK struct that goes into a tree.
type treeField struct {
	index int
	name  string
}

// structFields caches fieldsOf per type: asking reflect of every field of every value is
// most of Tree's time otherwise.
var structFields sync.Map // reflect.Type → []treeField

// fieldsOf lists the exported fields of a struct type that a tree holds (not the SDK's
// interfaces and maps: result metadata, document types).
func fieldsOf(t reflect.Type) []treeField {
	if f, ok := structFields.Load(t); ok {
		return f.([]treeField)
	}
	var fields []treeField
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() || sf.Type.Kind() == reflect.Interface || sf.Type.Kind() == reflect.Map {
			continue
		}
		fields = append(fields, treeField{i, sf.Name})
	}
	structFields.Store(t, fields)
	return fields
}
