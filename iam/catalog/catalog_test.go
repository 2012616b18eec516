package catalog

import (
	"bytes"
	"compress/gzip"
	"io"
	"testing"

	"github.com/ec2guard/ec2guard/iam/catalog/internal/gen"
)

func TestCatalogContent(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.Source != gen.Package+"@"+gen.Version {
		t.Errorf("Source = %q, want the pinned package", c.Source)
	}
	if n := c.NumActions(); n < 15000 {
		t.Errorf("only %d actions", n)
	}
	term, ok := c.Action("ec2:TerminateInstances")
	if !ok {
		t.Fatal("ec2:TerminateInstances missing")
	}
	if term.Access != "Write" {
		t.Errorf("TerminateInstances access = %q, want Write", term.Access)
	}
	if len(term.Resources) != 1 || term.Resources[0] != (ResourceRef{Type: "instance", Required: true}) {
		t.Errorf("TerminateInstances resources = %+v", term.Resources)
	}
	if _, ok := c.Action("EC2:terminateinstances"); !ok {
		t.Error("lookup is not case-insensitive")
	}
	for _, missing := range []string{"ec2:InstanceSecurityGroup", "ec2:", "nosuchservice:Get", "TerminateInstances"} {
		if _, ok := c.Action(missing); ok {
			t.Errorf("%q found, want absent", missing)
		}
	}
	ec2, _ := c.Service("ec2")
	inst := ec2.ResourceTypes["instance"]
	if inst == nil || inst.ARN != "arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}" {
		t.Errorf("instance resource type = %+v", inst)
	}
	if ec2.ConditionKeys["ec2:ResourceTag/${TagKey}"] != "String" {
		t.Errorf("ec2:ResourceTag condition key type = %q", ec2.ConditionKeys["ec2:ResourceTag/${TagKey}"])
	}
	if s3, _ := c.Service("s3"); s3 == nil || len(s3.Actions) < 100 || s3.ResourceTypes != nil {
		t.Errorf("s3 should be listed without details: %+v", s3)
	}
	if ct, _ := c.Action("ec2:CreateTags"); ct == nil || ct.Access != "Tagging, Write" && ct.Access != "Tagging" {
		t.Errorf("ec2:CreateTags access = %+v", ct)
	}
}

func TestExpand(t *testing.T) {
	c := MustLoad()
	names := func(p string) []string {
		var out []string
		for _, a := range c.Expand(p) {
			out = append(out, a.FullName())
		}
		return out
	}
	if got := names("ec2:TerminateInstances"); len(got) != 1 {
		t.Errorf("literal: %v", got)
	}
	if got := names("EC2:terminate*"); len(got) != 2 { // TerminateClientVpnConnections, TerminateInstances
		t.Errorf("ec2:terminate* = %v", got)
	}
	if got := names("ec2:St?pInstances"); len(got) != 1 || got[0] != "ec2:StopInstances" {
		t.Errorf("? = %v", got)
	}
	ec2, _ := c.Service("ec2")
	if got := len(c.Expand("ec2:*")); got != len(ec2.Actions) {
		t.Errorf("ec2:* = %d actions, want %d", got, len(ec2.Actions))
	}
	if got := len(c.Expand("*")); got != c.NumActions() {
		t.Errorf("* = %d, want %d", got, c.NumActions())
	}
	if got := len(c.Expand("*:*")); got != c.NumActions() {
		t.Errorf("*:* = %d, want %d", got, c.NumActions())
	}
	for _, none := range []string{"ec2:InstanceSecurityGroup", "nosuch:*", "ec2", ""} {
		if got := names(none); len(got) != 0 {
			t.Errorf("%q = %v, want nothing", none, got)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"*", "abc", true}, {"a*c", "abbbc", true}, {"a*c", "abd", false},
		{"?", "a", true}, {"?", "", false}, {"Get*", "getobject", true}, {"*Instances", "StopInstances", true},
		{"a*b*c", "aXbYbZc", true}, {"a*b*c", "aXbYbZ", false}, {"", "", true}, {"", "a", false},
	} {
		if got := Match(tc.p, tc.s); got != tc.want {
			t.Errorf("Match(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}

// TestGeneratedIsCurrent proves catalog.txt.gz is what the generator makes from the pinned
// iam-data (installed into the cache directory with npm when needed). A machine without npm
// and without the cache fails: the proof must not silently vanish.
func TestGeneratedIsCurrent(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the pinned iam-data (npm)")
	}
	dir, err := gen.DataDir()
	if err != nil {
		t.Fatal(err)
	}
	want, err := gen.Build(dir)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(packed))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("catalog.txt.gz is stale: run go generate ./iam/catalog")
	}
}

func TestParseRejectsGarbage(t *testing.T) {
	for _, text := range []string{"", "X\tfoo\n", "A\tNoService\t0\n", "L\tRead\nS\tec2\tEC2\nA\tX\t7\n", "S\tonly-two\n"} {
		if _, err := Parse(text); err == nil {
			t.Errorf("Parse(%q) accepted", text)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for b.Loop() {
		if _, err := decode(packed); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExpandEC2Wildcard(b *testing.B) {
	c := MustLoad()
	for b.Loop() {
		n := 0
		c.Each("ec2:*Instances", func(*Action) { n++ })
	}
}
