package rules

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/resource"
)

var now = time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)

// instanceTree is an instance's Attrs as awsapi.Tree writes them (the fields used here).
func instanceTree() map[string]any {
	return map[string]any{
		"InstanceId":   "i-0abc",
		"InstanceType": "t3.micro",
		"LaunchTime":   now.Add(-40 * 24 * time.Hour),
		"MetadataOptions": map[string]any{
			"HttpTokens":              "optional",
			"HttpEndpoint":            "enabled",
			"HttpPutResponseHopLimit": float64(1),
		},
		"BlockDeviceMappings": []any{
			map[string]any{"DeviceName": "/dev/xvda", "Ebs": map[string]any{"DeleteOnTermination": true, "VolumeId": "vol-1"}},
			map[string]any{"DeviceName": "/dev/xvdb", "Ebs": map[string]any{"DeleteOnTermination": false, "VolumeId": "vol-2"}},
		},
		"IamInstanceProfile": map[string]any{"Arn": "arn:aws:iam::111122223333:instance-profile/team/admin-role"},
		"SecurityGroups":     []any{map[string]any{"GroupId": "sg-1", "GroupName": "web"}},
		"EbsOptimized":       false,
		"Tags":               []any{map[string]any{"Key": "Name", "Value": "web-1"}},
	}
}

func res(kind resource.Kind, attrs map[string]any) *resource.Resource {
	return &resource.Resource{Ref: resource.Ref{Kind: kind, ID: "x-1"}, Exists: true, Attrs: attrs, Read: resource.NeedDescribe | resource.NeedExposure | resource.NeedUsage | resource.NeedSharing | resource.NeedProtection | resource.NeedUserData}
}

// loadFilter loads one rule judging kinds with the filter given in flow YAML.
func loadFilter(t *testing.T, kinds, filter string) (*Filter, error) {
	t.Helper()
	src := "rules:\n  - name: r\n    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification]}\n"
	if kinds != "" {
		src += "    resources: " + kinds + "\n"
	}
	src += "    filters:\n      - " + filter + "\n    actions: [start]\n"
	set, err := Load("f.yaml", []byte(src), Options{})
	if err != nil {
		return nil, err
	}
	return &set.Rules[0].Filters[0], nil
}

func TestAttrFilterSemantics(t *testing.T) {
	without := func(mut func(m map[string]any)) map[string]any {
		m := instanceTree()
		mut(m)
		return m
	}
	noTokens := without(func(m map[string]any) { delete(m["MetadataOptions"].(map[string]any), "HttpTokens") })
	noOptions := without(func(m map[string]any) { delete(m, "MetadataOptions") })
	allKept := without(func(m map[string]any) {
		for _, b := range m["BlockDeviceMappings"].([]any) {
			b.(map[string]any)["Ebs"].(map[string]any)["DeleteOnTermination"] = true
		}
	})
	noDevices := without(func(m map[string]any) { delete(m, "BlockDeviceMappings") })
	tests := []struct {
		filter string
		attrs  map[string]any
		want   bool
	}{
		{"{attr: MetadataOptions.HttpTokens, equals: optional}", instanceTree(), true},
		{"{attr: MetadataOptions.HttpTokens, equals: required}", instanceTree(), false},
		{"{attr: MetadataOptions.HttpTokens, not-equals: required}", instanceTree(), true},
		// absent: only not-equals and absent hold, so an IMDSv2 rule does not pass silently
		{"{attr: MetadataOptions.HttpTokens, not-equals: required}", noTokens, true},
		{"{attr: MetadataOptions.HttpTokens, not-equals: required}", noOptions, true},
		{"{attr: MetadataOptions.HttpTokens, equals: optional}", noTokens, false},
		{"{attr: MetadataOptions.HttpTokens, one-of: [optional]}", noTokens, false},
		{"{attr: MetadataOptions.HttpTokens, glob: '*'}", noTokens, false},
		{"{attr: MetadataOptions.HttpTokens, absent: true}", noTokens, true},
		{"{attr: MetadataOptions.HttpTokens, present: true}", noTokens, false},
		{"{attr: MetadataOptions.HttpTokens, present: true}", instanceTree(), true},
		{"{attr: MetadataOptions.HttpTokens, one-of: [optional, required]}", instanceTree(), true},
		{"{attr: MetadataOptions.HttpPutResponseHopLimit, greater-than: 1}", instanceTree(), false},
		{"{attr: MetadataOptions.HttpPutResponseHopLimit, less-than: 2}", instanceTree(), true},
		{"{attr: MetadataOptions.HttpPutResponseHopLimit, equals: 1}", instanceTree(), true},
		{"{attr: MetadataOptions.HttpPutResponseHopLimit, one-of: [2, 3]}", instanceTree(), false},
		{"{attr: MetadataOptions.HttpPutResponseHopLimit, less-than: 2}", noOptions, false},
		{"{attr: LaunchTime, older-than: 30d}", instanceTree(), true},
		{"{attr: LaunchTime, older-than: 41d}", instanceTree(), false},
		{"{attr: LaunchTime, older-than: 960h}", instanceTree(), true},
		{"{attr: LaunchTime, older-than: 1d12h}", instanceTree(), true},
		{"{attr: LaunchTime, less-than: 2026-11-01}", instanceTree(), true},
		{"{attr: LaunchTime, greater-than: '2026-11-01T00:00:00Z'}", instanceTree(), false},
		{"{attr: EbsOptimized, equals: false}", instanceTree(), true},
		{"{attr: EbsOptimized, not-equals: false}", instanceTree(), false},
		{"{attr: InstanceType, glob: 't3.*'}", instanceTree(), true},
		{"{attr: InstanceType, glob: [m5.*, 'c?.*']}", instanceTree(), false},
		{"{attr: InstanceType, contains: micro}", instanceTree(), true},
		// glob's * crosses /, unlike a file glob: ARNs are paths
		{"{attr: IamInstanceProfile.Arn, glob: '*admin*'}", instanceTree(), true},
		{"{attr: IamInstanceProfile.Arn, glob: 'arn:aws:iam::*:instance-profile/team/*'}", instanceTree(), true},
		// lists: any element by default, all with match: all
		{"{attr: 'BlockDeviceMappings[].Ebs.DeleteOnTermination', equals: false}", instanceTree(), true},
		{"{attr: 'BlockDeviceMappings[].Ebs.DeleteOnTermination', equals: false}", allKept, false},
		{"{attr: 'BlockDeviceMappings[].Ebs.DeleteOnTermination', equals: true, match: all}", instanceTree(), false},
		{"{attr: 'BlockDeviceMappings[].Ebs.DeleteOnTermination', equals: true, match: all}", allKept, true},
		{"{attr: 'BlockDeviceMappings[].Ebs.DeleteOnTermination', equals: true, match: any}", instanceTree(), true},
		{"{attr: 'BlockDeviceMappings[].Ebs.DeleteOnTermination', equals: false}", noDevices, false},
		{"{attr: 'BlockDeviceMappings[].Ebs.DeleteOnTermination', equals: true, match: all}", noDevices, true},
		{"{attr: 'SecurityGroups[].GroupName', one-of: [web, ssh]}", instanceTree(), true},
		{"{attr: 'Tags[].Key', contains: Na}", instanceTree(), true},
		{"{attr: BlockDeviceMappings, present: true}", instanceTree(), true},
		{"{attr: BlockDeviceMappings, absent: true}", noDevices, true},
	}
	for _, tc := range tests {
		f, err := loadFilter(t, "[instance]", tc.filter)
		if err != nil {
			t.Errorf("%s: %v", tc.filter, err)
			continue
		}
		if got := f.Match(res(resource.Instance, tc.attrs), now); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.filter, got, tc.want)
		}
	}
}

func TestAttrFilterContainsAList(t *testing.T) {
	f, err := loadFilter(t, "[security-group]", "{attr: UsedBy, contains: eni-1}")
	if err != nil {
		t.Fatal(err)
	}
	sg := map[string]any{"GroupId": "sg-1", "UsedBy": []any{"eni-0", "eni-1"}}
	if !f.Match(res(resource.SecurityGroup, sg), now) {
		t.Error("UsedBy contains eni-1: does not hold")
	}
	sg["UsedBy"] = []any{"eni-0"}
	if f.Match(res(resource.SecurityGroup, sg), now) {
		t.Error("UsedBy [eni-0] contains eni-1: holds")
	}
	if got := f.Needs(); !got.Has(resource.NeedDescribe | resource.NeedUsage) {
		t.Errorf("Needs = %b, want describe and usage", got)
	}
}

func TestAttrFilterNeedsAndKinds(t *testing.T) {
	f, err := loadFilter(t, "[instance, launch-template]", "{attr: 'Tags[].Key', contains: Owner}")
	if err != nil {
		t.Fatal(err)
	}
	if f.NeedsFor(resource.Instance) != resource.NeedDescribe {
		t.Errorf("NeedsFor(instance) = %b", f.NeedsFor(resource.Instance))
	}
	tree := map[string]any{"Tags": []any{map[string]any{"Key": "Owner", "Value": "bob"}}}
	if !f.Match(res(resource.LaunchTemplate, tree), now) {
		t.Error("a launch template with Owner: does not hold")
	}
	if f.Match(res(resource.Volume, tree), now) {
		t.Error("a volume, which the rule does not judge: holds")
	}
	// a read that lacks what the filter needs is not judged
	f, err = loadFilter(t, "[instance]", "{attr: UserData, absent: true}")
	if err != nil {
		t.Fatal(err)
	}
	if f.Needs() != resource.NeedDescribe|resource.NeedUserData {
		t.Errorf("UserData Needs = %b", f.Needs())
	}
	r := res(resource.Instance, map[string]any{})
	r.Read = resource.NeedDescribe
	if f.Match(r, now) {
		t.Error("UserData absent held of a read that did not fetch user data")
	}
	r.Read |= resource.NeedUserData
	if !f.Match(r, now) {
		t.Error("UserData absent: does not hold of a read that fetched none")
	}
	f, err = loadFilter(t, "[instance]", "{attr: 'Exposure.SecurityGroups[].IpPermissions[].IpRanges[].CidrIp', equals: 0.0.0.0/0}")
	if err != nil {
		t.Fatal(err)
	}
	if f.Needs() != resource.NeedDescribe|resource.NeedExposure {
		t.Errorf("Exposure Needs = %b", f.Needs())
	}
}

func TestAttrFilterErrors(t *testing.T) {
	tests := []struct {
		kinds, filter string
		want          []string // "line:col: message part"
	}{
		{"", "{attr: MetadataOptions.HttpTokns, equals: required}", []string{"5:32: attr: unknown field HttpTokns of MetadataOptions (instance) (did you mean HttpTokens?); known: HttpEndpoint, HttpProtocolIpv6, HttpPutResponseHopLimit, HttpTokens, InstanceMetadataTags, State"}},
		{"", "{attr: MetaDataOptions.HttpTokens, equals: required}", []string{"5:16: attr: unknown field MetaDataOptions of instance (did you mean MetadataOptions?); known: AmiLaunchIndex,"}},
		{"", "{attr: MetadataOptions.HttpTokens, equals: requird}", []string{`5:52: "requird" is not a value of MetadataOptions.HttpTokens of instance (one of: optional, required); did you mean required?`}},
		{"", "{attr: MetadataOptions.HttpTokens, older-than: 30d}", []string{"5:44: older-than does not apply to MetadataOptions.HttpTokens, a string of instance (older-than takes a timestamp)"}},
		{"", "{attr: EbsOptimized, less-than: 3}", []string{"5:30: less-than does not apply to EbsOptimized, a boolean of instance (less-than takes a number or a timestamp)"}},
		{"", "{attr: EbsOptimized, equals: 'true'}", []string{`5:38: equals of EbsOptimized takes true or false, not true`}},
		{"", "{attr: MetadataOptions.HttpPutResponseHopLimit, equals: two}", []string{`5:65: equals of MetadataOptions.HttpPutResponseHopLimit takes a number, not "two"`}},
		{"", "{attr: InstanceType, equals: 5}", []string{`5:38: equals of InstanceType takes a string, not 5: quote it ("5")`}},
		{"", "{attr: LaunchTime, older-than: 30days}", []string{`5:40: older-than: "30days" is not a duration: write a number and a unit`}},
		{"", "{attr: LaunchTime, older-than: 0d}", []string{`5:40: older-than: "0d" is not a positive duration`}},
		{"", "{attr: BlockDeviceMappings.Ebs, present: true}", []string{"5:36: attr: BlockDeviceMappings is a list of instance: write BlockDeviceMappings[].Ebs to judge its elements"}},
		{"", "{attr: 'InstanceType[]', present: true}", []string{"5:29: attr: InstanceType is a string of instance, not a list"}},
		{"", "{attr: 'Tags[', present: true}", []string{"5:21: attr: [ must be followed by ]"}},
		{"", "{attr: Tags.., present: true}", []string{"5:21: attr: an empty field name"}},
		{"", "{attr: InstanceType, match: all, present: true}", []string{"5:16: match: all judges the elements of a list, and InstanceType steps into none"}},
		{"", "{attr: InstanceType, equals: a, glob: b}", []string{"5:41: an attr filter takes one operator; it has equals and glob"}},
		{"", "{attr: InstanceType}", []string{"5:9: an attr filter needs one operator"}},
		{"", "{attr: InstanceType, within: 3}", []string{"5:9: an attr filter needs one operator", `5:30: unknown attr filter key "within"`}},
		{"", "{attr: SecurityGroups, contains: sg-1}", []string{"5:32: contains does not apply to SecurityGroups, a list of objects of instance"}},
		{"", "{attr: MetadataOptions.HttpTokens, glob: 'req*x'}", []string{`5:50: glob "req*x" matches no value of MetadataOptions.HttpTokens`}},
		{"", "{attr: InstanceType, present: false}", []string{"5:39: present takes true"}},
		{"", "{attr: MetadataOptions.HttpTokns, match: every, equals: requird}", []string{"5:32: attr: unknown field HttpTokns", `5:50: match must be any or all, not "every"`}},
		{"", "{attr: 'Tags[', match: all, less-than: x}", []string{"5:21: attr: [ must be followed by ]"}},
		// each kind the rule judges
		{"[instance, volume]", "{attr: MetadataOptions.HttpTokens, equals: required}", []string{"6:16: attr: unknown field MetadataOptions of volume"}},
		{"[volume, snapshot]", "{attr: Encrypted, equals: false}", nil},
		{"[instance, vm]", "{tag: A, present: true}", []string{`4:27: unknown resource kind "vm" in resources (known: instance, security-group,`}},
		{"[volume]", "{state: [running]}", []string{"6:10: a state filter does not apply to volume, which the rule judges (resources: [volume])"}},
		{"[account]", "{tag: A, present: true}", []string{"6:10: a tag filter does not apply to account"}},
	}
	for _, tc := range tests {
		_, err := loadFilter(t, tc.kinds, tc.filter)
		if tc.want == nil {
			if err != nil {
				t.Errorf("%s: %v", tc.filter, err)
			}
			continue
		}
		wantErrors(t, tc.filter, err, tc.want)
	}
}

func TestAttrErrorsAllInOneRun(t *testing.T) {
	src := `rules:
  - name: r
    pattern: {source: [aws.ec2]}
    resources: [instance, security-group]
    filters:
      - {attr: MetadataOptions.HttpTokens, equals: requird}
      - {attr: 'IpPermissions[].FromPort', less-than: x}
      - {attr: LaunchTime, older-than: 3 days}
    actions: [start]
`
	_, err := Load("f.yaml", []byte(src), Options{})
	var es Errors
	if !errors.As(err, &es) {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Error())
	}
	want := []string{
		`f.yaml:6:16: attr: unknown field MetadataOptions of security-group`,
		`f.yaml:6:52: "requird" is not a value of MetadataOptions.HttpTokens of instance`,
		`f.yaml:7:17: attr: unknown field IpPermissions of instance`,
		`f.yaml:7:55: less-than of IpPermissions[].FromPort takes a number, not "x"`,
		`f.yaml:8:40: older-than: "3 days" is not a duration`,
	}
	if len(got) != len(want) {
		t.Fatalf("errors:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("got  %s\nwant %s", got[i], want[i])
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "12h": 12 * time.Hour, "90m": 90 * time.Minute, "2w": 14 * 24 * time.Hour, "1d12h": 36 * time.Hour, "45s": 45 * time.Second} {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "30", "30x", "-1d", "0h", "99999999999999999999d", "1.5d"} {
		if _, err := parseDuration(in); err == nil {
			t.Errorf("parseDuration(%q) accepted", in)
		}
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		glob, s string
		want    bool
	}{
		{"*", "", true}, {"*", "a/b", true}, {"a*", "abc", true}, {"*c", "abc", true}, {"a*c", "ac", true},
		{"a*c", "ab", false}, {"a?c", "abc", true}, {"a?c", "ac", false}, {"*b*", "abc", true}, {"*b*b*", "ab", false},
		{"a*b*c", "aXbYc", true}, {"a*b*c", "aXcYb", false}, {`a\*`, "a*", true}, {`a\*`, "ab", false}, {"abc", "abc", true}, {"abc", "abd", false},
		{"*aa", "aaa", true}, {"aa*aa", "aaa", false},
	}
	for _, tc := range tests {
		g := compileGlob(tc.glob)
		if got := g.match(tc.s); got != tc.want {
			t.Errorf("glob %q on %q = %v, want %v", tc.glob, tc.s, got, tc.want)
		}
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"MetadataOptions.HttpTokens", "BlockDeviceMappings[].Ebs.DeleteOnTermination", "A[][].B", "", ".", "a.", "a[", "a[]x", "[]", "a..b", "a.b[]", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		steps, err := parsePath(s)
		if err != nil {
			var pe *pathError
			if !errors.As(err, &pe) || pe.at < 0 || pe.at > len(s) {
				t.Fatalf("parsePath(%q): %v, offset outside the path", s, err)
			}
			return
		}
		if got := pathString(steps); got != s {
			t.Fatalf("parsePath(%q) writes back as %q", s, got)
		}
		for _, st := range steps {
			if st.at < 0 || st.at >= len(s) || !st.each && !strings.HasPrefix(s[st.at:], st.name) {
				t.Fatalf("parsePath(%q): step %+v at a wrong offset", s, st)
			}
		}
	})
}

// wantErrors checks that err is Errors whose messages begin with want ("line:col: ..."), in order.
func wantErrors(t *testing.T, what string, err error, want []string) {
	t.Helper()
	var es Errors
	if !errors.As(err, &es) {
		t.Errorf("%s: err = %v, want Errors", what, err)
		return
	}
	if len(es) != len(want) {
		t.Errorf("%s: %d errors, want %d:\n%v", what, len(es), len(want), es)
		return
	}
	for i, w := range want {
		if got := strings.TrimPrefix(es[i].Error(), "f.yaml:"); !strings.HasPrefix(got, w) {
			t.Errorf("%s:\n got %s\nwant %s", what, got, w)
		}
	}
}
