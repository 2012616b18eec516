package rules

import (
	"slices"
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

// A rule's filters say which rules of a group made them hold: only those, each peer apart.
func TestMatchedRules(t *testing.T) {
	web := group(
		perm("tcp", 22, 22, []string{"0.0.0.0/0", "10.0.0.0/8"}, []string{"::/0"}),
		perm("tcp", 443, 443, internet, nil),
		perm("-1", 0, 0, nil, nil),
	)
	web["IpPermissions"].([]any)[2].(map[string]any)["UserIdGroupPairs"] = []any{map[string]any{"GroupId": "sg-1"}}
	web["IpPermissionsEgress"] = []any{perm("-1", 0, 0, internet, nil)}
	tests := []struct {
		filters string
		want    []string // nil: the filters do not tell
	}{
		{"[{ingress: {ports: [22], protocol: tcp}}]", []string{"sg-1 ingress tcp 22 from 0.0.0.0/0", "sg-1 ingress tcp 22 from ::/0"}},
		{"[{ingress: {ports: [22], from: internet-ipv4}}]", []string{"sg-1 ingress tcp 22 from 0.0.0.0/0"}},
		{"[{ingress: {ports: [22], from: internet-ipv6}}]", []string{"sg-1 ingress tcp 22 from ::/0"}},
		{"[{ingress: {ports: [3389]}}]", []string{}},
		{"[{ingress: true}]", []string{"sg-1 ingress tcp 22 from 0.0.0.0/0", "sg-1 ingress tcp 22 from ::/0", "sg-1 ingress tcp 443 from 0.0.0.0/0"}},
		// from: CIDRs selects the sources that overlap them (0.0.0.0/0 overlaps every range)
		{"[{ingress: {ports: [22], from: [10.0.0.0/16]}}]", []string{"sg-1 ingress tcp 22 from 0.0.0.0/0", "sg-1 ingress tcp 22 from 10.0.0.0/8"}},
		{"[{ingress-except: {tcp: [80, 443]}}]", []string{"sg-1 ingress tcp 22 from 0.0.0.0/0", "sg-1 ingress tcp 22 from ::/0"}},
		// two filters that tell: the rules both matched
		{"[{ingress: true}, {ingress: {ports: [443]}}]", []string{"sg-1 ingress tcp 443 from 0.0.0.0/0"}},
		// a filter that does not tell (a tag, IsDefault) leaves the others' rules
		{"[{attr: GroupName, equals: web}, {ingress: {ports: [443]}}]", []string{"sg-1 ingress tcp 443 from 0.0.0.0/0"}},
		{"[{attr: GroupName, equals: web}]", nil},
		// attr filters on the permissions: the elements that hold, every peer of each
		{"[{attr: 'IpPermissions[].IpProtocol', present: true}]", []string{
			"sg-1 ingress tcp 22 from 0.0.0.0/0", "sg-1 ingress tcp 22 from 10.0.0.0/8", "sg-1 ingress tcp 22 from ::/0",
			"sg-1 ingress tcp 443 from 0.0.0.0/0", "sg-1 ingress all traffic from sg-1"}},
		{"[{attr: 'IpPermissionsEgress[].IpProtocol', present: true}]", []string{"sg-1 egress all traffic to 0.0.0.0/0"}},
		{"[{attr: 'IpPermissions[].FromPort', equals: 443}]", []string{"sg-1 ingress tcp 443 from 0.0.0.0/0"}},
		// a path into a permission's peers: only the peers that hold
		{"[{attr: 'IpPermissions[].IpRanges[].CidrIp', equals: 0.0.0.0/0}]", []string{"sg-1 ingress tcp 22 from 0.0.0.0/0", "sg-1 ingress tcp 443 from 0.0.0.0/0"}},
		{"[{attr: 'IpPermissions[].UserIdGroupPairs[].GroupId', equals: sg-1}]", []string{"sg-1 ingress all traffic from sg-1"}},
	}
	for _, tc := range tests {
		src := "rules:\n  - name: r\n    pattern: {source: [aws.ec2]}\n    resources: [security-group]\n    filters: " + tc.filters + "\n    actions: [start]\n"
		set, err := Load("f.yaml", []byte(src), Options{})
		if err != nil {
			t.Errorf("%s: %v", tc.filters, err)
			continue
		}
		r := set.Rules[0]
		sg := res(resource.SecurityGroup, web)
		got, told := r.MatchedRules(sg, now)
		if told != (tc.want != nil) {
			t.Errorf("%s: tells = %v, want %v", tc.filters, told, tc.want != nil)
			continue
		}
		strs := []string{}
		for _, g := range got {
			strs = append(strs, g.String())
		}
		if told && !slices.Equal(strs, tc.want) {
			t.Errorf("%s: matched\n%q\nwant\n%q", tc.filters, strs, tc.want)
		}
		// a filter that tells holds exactly when it matched some rule
		for _, f := range r.Filters {
			if m, ok := f.MatchedRules(sg, now); ok && f.Match(sg, now) != (len(m) > 0) {
				t.Errorf("%s: %s holds = %v but matched %d rules", tc.filters, f.String(), f.Match(sg, now), len(m))
			}
		}
	}
}

// An instance's ingress filter tells the rules of its groups, each with its group's id.
func TestMatchedRulesOfAnInstance(t *testing.T) {
	other := group(perm("tcp", 22, 22, internet, nil))
	other["GroupId"] = "sg-2"
	in := map[string]any{"Exposure": map[string]any{"SecurityGroups": []any{group(perm("tcp", 80, 80, internet, nil)), other}}}
	f, err := loadFilter(t, "[instance]", "{ingress: {ports: [22]}}")
	if err != nil {
		t.Fatal(err)
	}
	r := res(resource.Instance, in)
	r.Read |= resource.NeedExposure
	got, ok := f.MatchedRules(r, now)
	if !ok || len(got) != 1 || got[0].String() != "sg-2 ingress tcp 22 from 0.0.0.0/0" {
		t.Fatalf("MatchedRules = %v, %v", got, ok)
	}
}
