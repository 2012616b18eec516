package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/faultproxy"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
)

// A rule for each kind, on what a scan lists in bulk (no need that takes a call per
// resource): a scan of them makes one call sequence per kind and place. The patterns matter
// not to a scan; they name calls the rule loader knows the targets of.
const everyKindRules = `
rules:
  - name: imdsv1
    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances, CreateVolume, CreateSnapshot, CreateImage]}}
    resources: [instance]
    filters: [{attr: MetadataOptions.HttpTokens, not-equals: required}, {exposed: {ports: [22]}}]
    actions: [{notify: {topic: "${var:topic}"}}]
  - name: open-ssh
    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances, CreateVolume, CreateSnapshot, CreateImage]}}
    resources: [security-group]
    filters: [{ingress: {ports: [22], protocol: tcp, from: internet}}]
    actions: [{notify: {topic: "${var:topic}"}}]
  - name: idle
    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances, CreateVolume, CreateSnapshot, CreateImage]}}
    resources: [address, volume, security-group]
    filters: [{unused: true}]
    actions: [{notify: {topic: "${var:topic}"}}]
  - name: plain-volume
    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances, CreateVolume, CreateSnapshot, CreateImage]}}
    resources: [volume]
    filters: [{attr: Encrypted, equals: false}]
    actions: [{notify: {topic: "${var:topic}"}}]
  - name: public-sharing
    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances, CreateVolume, CreateSnapshot, CreateImage]}}
    resources: [snapshot, image]
    filters: [{public: true}]
    actions: [{notify: {topic: "${var:topic}"}}]
  - name: template-imdsv1
    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances, CreateVolume, CreateSnapshot, CreateImage]}}
    resources: [launch-template]
    filters: [{attr: DefaultVersion.LaunchTemplateData.MetadataOptions.HttpTokens, not-equals: required}]
    actions: [{notify: {topic: "${var:topic}"}}]
  - name: public-subnet
    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances, CreateVolume, CreateSnapshot, CreateImage]}}
    resources: [subnet]
    filters: [{attr: RoutesToInternetGateway, equals: true}]
    actions: [{notify: {topic: "${var:topic}"}}]
  - name: acl-allows-all
    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances, CreateVolume, CreateSnapshot, CreateImage]}}
    resources: [network-acl]
    filters: [{attr: "Entries[].CidrBlock", equals: 0.0.0.0/0}]
    actions: [{notify: {topic: "${var:topic}"}}]
  - name: ebs-encryption-off
    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances, CreateVolume, CreateSnapshot, CreateImage]}}
    resources: [account]
    filters: [{attr: EbsEncryptionByDefault, equals: false}]
    actions: [{notify: {topic: "${var:topic}"}}]
`

var scanRegions = []string{"us-east-1", "eu-west-1", "ap-southeast-2"}

// A scan of a mixed fleet in three regions, every kind present: each kind's contrasting pair
// judged apart, in its own region; then its AWS calls, counted through a proxy, for a fleet of
// N and of 3N resources of each kind: the same calls, none per resource.
func TestScanEveryKindThreeRegions(t *testing.T) {
	w := newWorld(t)
	t.Setenv("AWS_MAX_ATTEMPTS", "1") // moto answers four account settings with a 500 (left out, logged)
	rulesFile := filepath.Join(t.TempDir(), "kinds.yaml")
	if err := os.WriteFile(rulesFile, []byte(everyKindRules), 0o644); err != nil {
		t.Fatal(err)
	}
	fleets := map[string][]*mototest.Mixed{}
	grow := func(n int) {
		for _, r := range scanRegions {
			for range n {
				fleets[r] = append(fleets[r], w.InRegion(r).Mixed())
			}
		}
	}
	proxy, err := faultproxy.Start(os.Getenv("AWS_ENDPOINT_URL"), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	t.Setenv("AWS_ENDPOINT_URL", proxy.URL)
	scan := func() (map[string]engine.Decision, map[string]int) {
		t.Helper()
		before := len(proxy.Calls())
		args := []string{"scan", "-r", rulesFile, "--var", "topic=" + w.topic, "--no-state", "--dry-run", "--max-actions", "1000"}
		for _, r := range scanRegions {
			args = append(args, "--region", r)
		}
		code, out, errOut := runCLI(t, "", args...)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		got := map[string]engine.Decision{} // "region rule resource" for the rules' records, "region - resource" for the others
		for _, d := range decisions(t, out) {
			rule := d.Rule
			if rule == "" {
				rule = "-"
			}
			got[d.Region+" "+rule+" "+d.Resource] = d
		}
		calls := map[string]int{}
		for _, c := range proxy.Calls()[before:] {
			calls[c.Service+"/"+c.Operation]++
		}
		return got, calls
	}

	grow(1)
	got, calls := scan()
	for _, r := range scanRegions {
		m := fleets[r][0]
		for _, c := range []struct {
			rule, yes, no string
		}{
			{"imdsv1", m.IMDSv1, m.IMDSv2},
			{"open-ssh", m.OpenGroup, m.ClosedGroup},
			{"idle", m.FreeAddress, m.BoundAddress},
			{"idle", m.Plain, ""},
			{"plain-volume", m.Plain, m.Encrypted},
			{"public-sharing", m.Image, ""},
			{"template-imdsv1", m.Template, ""},
			{"public-subnet", m.PublicSubnet, m.PrivateSubnet},
			{"ebs-encryption-off", mototest.AccountID, ""},
		} {
			if d, ok := got[r+" "+c.rule+" "+c.yes]; !ok || d.Outcome != engine.DryRun || d.Account != mototest.AccountID || d.EventSource != engine.ScanSource {
				t.Errorf("%s: %s on %s: %+v (present %v), want a dry run in account %s", r, c.rule, c.yes, d, ok, mototest.AccountID)
			}
			if d, ok := got[r+" "+c.rule+" "+c.no]; c.no != "" && (!ok || d.Outcome != engine.Skipped || !strings.Contains(d.Reason, "does not hold")) {
				t.Errorf("%s: %s on %s: %+v, want skipped by a filter", r, c.rule, c.no, d)
			}
		}
		if d := got[r+" acl-allows-all "+m.PrivateACL]; d.Outcome != engine.Skipped {
			t.Errorf("%s: the private subnet's ACL (no entries but the default deny): %+v", r, d)
		}
	}
	if len(got) < 3*20 {
		t.Errorf("only %d records for three regions of every kind", len(got))
	}

	grow(2) // 3N
	got3, calls3 := scan()
	if len(got3) <= 2*len(got) {
		t.Errorf("%d records for 3N resources, %d for N", len(got3), len(got))
	}
	var ops []string
	for op := range calls3 {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	var table strings.Builder
	for _, op := range ops {
		fmt.Fprintf(&table, "%-45s N: %3d  3N: %3d\n", op, calls[op], calls3[op])
		if calls3[op] != calls[op] {
			t.Errorf("%s: %d calls for N resources of each kind, %d for 3N: a call per resource", op, calls[op], calls3[op])
		}
	}
	t.Logf("AWS calls of a scan of every kind in %d regions (moto: one page per list call but DescribeInstances' 1000):\n%s", len(scanRegions), table.String())
	if n := calls3["ec2/DescribeInstances"]; n != len(scanRegions) {
		t.Errorf("%d DescribeInstances for %d regions", n, len(scanRegions))
	}
	for _, k := range resource.Kinds() {
		found := false
		for key, d := range got3 {
			found = found || (strings.HasPrefix(key, "eu-west-1 ") && d.Rule != "" && ruleKinds(d.Rule, k))
		}
		if !found {
			t.Errorf("no record of a rule on %s in eu-west-1", k)
		}
	}
}

// ruleKinds says whether a rule of everyKindRules judges kind k.
func ruleKinds(rule string, k resource.Kind) bool {
	i := strings.Index(everyKindRules, "name: "+rule+"\n")
	if i < 0 {
		return false
	}
	rest := everyKindRules[i:]
	j := strings.Index(rest, "resources: [")
	end := strings.Index(rest[j:], "]")
	for _, name := range strings.Split(rest[j+len("resources: ["):j+end], ",") {
		if strings.TrimSpace(name) == string(k) {
			return true
		}
	}
	return false
}
