package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/engine"
)

// From scan to enforce with examples/network.yaml on moto through the real SDK: a group with
// SSH open to 0.0.0.0/0 (and, in the same permission, to 10.0.0.0/8) and HTTPS open to the
// world fails EC2.13; the dry run names the one rule it would revoke and changes nothing;
// enforced, revoke-ingress revokes that rule alone (the 10.0.0.0/8 range and 443 stay), after
// which EC2.13 passes and a scan again does nothing. The VPC's default group loses every rule
// under EC2.2. A group with 8443 open to 0.0.0.0/0 and ::/0 fails EC2.18, and restrict-ingress
// narrows both to 10.0.0.0/8 (one new rule, the same port), its 443 rule kept, after which it passes.
func TestNetworkFromScanToEnforce(t *testing.T) {
	w := newWorld(t)
	ctx := w.Ctx
	vpcs, err := w.EC2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil || len(vpcs.Vpcs) == 0 {
		t.Fatalf("no VPC: %v", err)
	}
	vpc := vpcs.Vpcs[0].VpcId
	sg, err := w.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: vpc})
	if err != nil {
		t.Fatal(err)
	}
	web := *sg.GroupId
	_, err = w.EC2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
			IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}, {CidrIp: aws.String("10.0.0.0/8")}}},
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	app, err := w.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("app"), Description: aws.String("app"), VpcId: vpc})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.EC2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: app.GroupId, IpPermissions: []ec2types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8443), ToPort: aws.Int32(8443),
			IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}, Ipv6Ranges: []ec2types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}},
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	groups := func() map[string][]ec2types.IpPermission {
		t.Helper()
		out, err := w.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string][]ec2types.IpPermission{}
		for _, g := range out.SecurityGroups {
			m[*g.GroupId+" in"], m[*g.GroupId+" out"] = g.IpPermissions, g.IpPermissionsEgress
		}
		return m
	}
	var def string // the VPC's default group
	out, err := w.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{*vpc}}, {Name: aws.String("group-name"), Values: []string{"default"}}}})
	if err != nil || len(out.SecurityGroups) != 1 {
		t.Fatalf("the default group: %v", err)
	}
	def = *out.SecurityGroups[0].GroupId
	if g := groups(); len(g[def+" in"])+len(g[def+" out"]) == 0 {
		t.Fatalf("moto's default group %s has no rules: nothing to test", def)
	}

	scanControls := func() map[string]controls.Record { return controlRecords(t, "EC2.13,EC2.2,EC2.18") }
	before := scanControls()
	if before["EC2G-NET-2 "+web].Status != controls.Fail || before["EC2G-NET-1 "+def].Status != controls.Fail || before["EC2G-NET-4 "+*app.GroupId].Status != controls.Fail {
		t.Fatalf("before: %+v %+v %+v", before["EC2G-NET-2 "+web], before["EC2G-NET-1 "+def], before["EC2G-NET-4 "+*app.GroupId])
	}
	scanRules := func(file string) map[string]engine.Decision { return actedOn(t, file) }
	example := filepath.Join("..", "examples", "network.yaml")
	src, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	was := groups()
	dry := scanRules(example)
	if d := dry["EC2.13 "+web]; d.Outcome != engine.DryRun || d.Reason != "would revoke 1 rule of "+web+": ingress tcp 22 from 0.0.0.0/0" {
		t.Errorf("dry run on %s: %+v", web, d)
	}
	if d := dry["EC2.2/2 "+def]; d.Outcome != engine.DryRun {
		t.Errorf("dry run on the default group: %+v", d)
	}
	restricted := "2 rules of " + *app.GroupId + ": ingress tcp 8443 from 0.0.0.0/0, ingress tcp 8443 from ::/0 → from 10.0.0.0/8"
	if d := dry["EC2.18 "+*app.GroupId]; d.Outcome != engine.DryRun || d.Reason != "would restrict "+restricted {
		t.Errorf("dry run on %s: %+v", *app.GroupId, d)
	}
	if now := groups(); !reflect.DeepEqual(now, was) {
		t.Fatalf("the dry run changed moto:\n%v\n%v", was, now)
	}

	enforced := writeFile(t, t.TempDir(), "network.yaml", strings.ReplaceAll(string(src), "    actions:", "    mode: enforce\n    actions:"))
	done := scanRules(enforced)
	if d := done["EC2.13 "+web]; d.Outcome != engine.Applied || d.Reason != "revoked 1 rule of "+web+": ingress tcp 22 from 0.0.0.0/0" {
		t.Errorf("enforced on %s: %+v", web, d)
	}
	if d := done["EC2.2/2 "+def]; d.Outcome != engine.Applied {
		t.Errorf("enforced on the default group: %+v", d)
	}
	if d := done["EC2.18 "+*app.GroupId]; d.Outcome != engine.Applied || d.Reason != "restricted "+restricted {
		t.Errorf("enforced on %s: %+v", *app.GroupId, d)
	}
	// EC2.18 fails the web group on 22 too, but EC2.13 revoked that rule before it: the group
	// read again has nothing for restrict-ingress to replace (it adds no 22 from 10.0.0.0/8).
	if d := done["EC2.18 "+web]; d.Outcome != engine.Skipped || d.Reason != "no rule of "+web+" matches the rule's filters now" {
		t.Errorf("EC2.18 on %s after EC2.13: %+v", web, d)
	}
	g := groups()
	var narrowed []string
	for _, p := range g[*app.GroupId+" in"] {
		for _, r := range p.IpRanges {
			narrowed = append(narrowed, *p.IpProtocol+" "+*r.CidrIp+" "+itoa(p.FromPort))
		}
		for _, r := range p.Ipv6Ranges {
			narrowed = append(narrowed, *p.IpProtocol+" "+*r.CidrIpv6+" "+itoa(p.FromPort))
		}
	}
	if want := []string{"tcp 10.0.0.0/8 8443", "tcp 0.0.0.0/0 443"}; !sameSet(narrowed, want) {
		t.Errorf("the app group's ingress after: %v, want %v", narrowed, want)
	}
	var kept []string
	for _, p := range g[web+" in"] {
		for _, r := range p.IpRanges {
			kept = append(kept, *p.IpProtocol+" "+*r.CidrIp+" "+itoa(p.FromPort))
		}
	}
	if want := []string{"tcp 10.0.0.0/8 22", "tcp 0.0.0.0/0 443"}; !sameSet(kept, want) {
		t.Errorf("the web group's ingress after: %v, want %v", kept, want)
	}
	if len(g[def+" in"])+len(g[def+" out"]) != 0 {
		t.Errorf("the default group keeps rules: %v %v", g[def+" in"], g[def+" out"])
	}
	after := scanControls()
	if after["EC2G-NET-2 "+web].Status != controls.Pass || after["EC2G-NET-1 "+def].Status != controls.Pass || after["EC2G-NET-4 "+*app.GroupId].Status != controls.Pass {
		t.Errorf("after: %+v %+v %+v", after["EC2G-NET-2 "+web], after["EC2G-NET-1 "+def], after["EC2G-NET-4 "+*app.GroupId])
	}
	if again := scanRules(enforced); len(again) != 0 {
		t.Errorf("a scan after the fix acts: %v", again)
	}
}

func itoa(p *int32) string {
	if p == nil {
		return "-"
	}
	b, _ := json.Marshal(*p)
	return string(b)
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		if seen[s] == 0 {
			return false
		}
		seen[s]--
	}
	return true
}

// deploy template of examples/network.yaml: cfn-lint clean, the revokes granted on security
// groups alone. revoke-ingress makes the role one that manages security groups: iam check
// reports that (IAM-EC2-5 on each rule's statement, and nothing else) until the role is listed among the principals
// authorized for it, as README says.
func TestNetworkDeploy(t *testing.T) {
	example := filepath.Join("..", "examples", "network.yaml")
	config := writeFile(t, t.TempDir(), "iam.yaml", "provisioning_principals: [FunctionRole]\n")
	file := deployLintCheck(t, example, config, "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "security-group/*",
		"ec2:CreateSecurityGroup", "vpc/*", "ec2:ModifyNetworkInterfaceAttribute", "ec2:ResourceTag/ec2guard:quarantine", "ec2:CreateSnapshot")
	iamFindsOnly(t, file, "IAM-EC2-5")
}

// An AuthorizeSecurityGroupIngress that opens 22 to the world, handled as EventBridge sends
// it, under - control: EC2.13 with revoke-ingress enforced: the group as read now has the
// rule, which is revoked; its 443 rule stays. The same call's event again finds nothing.
func TestRevokeIngressOnAuthorizeEvent(t *testing.T) {
	w := newWorld(t)
	group := openedGroup(t, w, "opened", func(string) []ec2types.IpPermission {
		return []ec2types.IpPermission{
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
		}
	})
	req := map[string]any{"groupId": group, "ipPermissions": map[string]any{"items": []any{
		map[string]any{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": map[string]any{"items": []any{map[string]any{"cidrIp": "0.0.0.0/0"}}}}}}}
	file := writeFile(t, t.TempDir(), "ssh.yaml", "rules:\n  - control: EC2.13\n    mode: enforce\n    actions: [revoke-ingress]\n")
	handle := func(id string) engine.Decision {
		t.Helper()
		return handledOn(t, file, group, callEvent(t, id, "AuthorizeSecurityGroupIngress", req, map[string]any{"_return": true}), "--no-state")
	}
	if d := handle("ev-1"); d.Outcome != engine.Applied || d.Reason != "revoked 1 rule of "+group+": ingress tcp 22 from 0.0.0.0/0" {
		t.Fatalf("the event: %+v", d)
	}
	out, err := w.EC2.DescribeSecurityGroups(w.Ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{group}})
	if err != nil {
		t.Fatal(err)
	}
	if in := out.SecurityGroups[0].IpPermissions; len(in) != 1 || aws.ToInt32(in[0].FromPort) != 443 {
		t.Errorf("the group's ingress after: %+v, want 443 alone", in)
	}
	if d := handle("ev-2"); d.Outcome != engine.Skipped || d.Action != "" {
		t.Errorf("the event again: %+v, want the filter not to hold", d)
	}
}

// openedGroup is a new security group of the default VPC named name, with the ingress perms
// gives it (perms is told the group's id, for a rule that references the group).
func openedGroup(t *testing.T, w *world, name string, perms func(group string) []ec2types.IpPermission) string {
	t.Helper()
	sg, err := w.EC2.CreateSecurityGroup(w.Ctx, &ec2.CreateSecurityGroupInput{GroupName: &name, Description: &name})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.EC2.AuthorizeSecurityGroupIngress(w.Ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: perms(*sg.GroupId)}); err != nil {
		t.Fatal(err)
	}
	return *sg.GroupId
}

// handledOn runs handle with the rule file and flags on one event and returns its one
// decision record, which must name resource.
func handledOn(t *testing.T, file, resource, event string, flags ...string) engine.Decision {
	t.Helper()
	ds := handled(t, file, event, flags...)
	if len(ds) != 1 || ds[0].Resource != resource {
		t.Fatalf("decisions: %+v, want one on %s", ds, resource)
	}
	return ds[0]
}

// handled runs handle with the rule file and flags on one event and returns its decision
// records.
func handled(t *testing.T, file, event string, flags ...string) []engine.Decision {
	t.Helper()
	code, out, errOut := runCLI(t, event, append(append([]string{"handle", "-r", file}, flags...), "-")...)
	if code != 0 {
		t.Fatalf("handle: exit %d: %s\n%s", code, errOut, out)
	}
	return decisions(t, out)
}

// ingressOf is a security group's ingress as moto has it now, one "tcp 22 from 0.0.0.0/0
// (description)" per range, sorted.
func ingressOf(t *testing.T, w *world, group string) []string {
	t.Helper()
	out, err := w.EC2.DescribeSecurityGroups(w.Ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{group}})
	if err != nil || len(out.SecurityGroups) != 1 {
		t.Fatalf("describing %s: %v", group, err)
	}
	var rules []string
	for _, p := range out.SecurityGroups[0].IpPermissions {
		at := *p.IpProtocol + " " + itoa(p.FromPort) + "-" + itoa(p.ToPort) + " from "
		for _, r := range p.IpRanges {
			rules = append(rules, at+*r.CidrIp+" ("+aws.ToString(r.Description)+")")
		}
		for _, r := range p.Ipv6Ranges {
			rules = append(rules, at+*r.CidrIpv6+" ("+aws.ToString(r.Description)+")")
		}
		for _, g := range p.UserIdGroupPairs {
			rules = append(rules, at+*g.GroupId)
		}
	}
	slices.Sort(rules)
	return rules
}

// An AuthorizeSecurityGroupIngress that opens 22 to 0.0.0.0/0 and ::/0, handled as
// EventBridge sends it, under - control: EC2.13 with restrict-ingress to 10.0.0.0/8: the dry
// run says what it would restrict and leaves the group as it was; enforced, both open ranges
// of 22 give way to one 10.0.0.0/8 rule of the same protocol and port, with the description
// of the one it replaces, and the group's other rules (443 from the world, 22 from a
// partner's range, a referenced group) stay. The same call's event again finds nothing.
func TestRestrictIngressOnAuthorizeEvent(t *testing.T) {
	w := newWorld(t)
	group := openedGroup(t, w, "bastion", func(group string) []ec2types.IpPermission {
		return []ec2types.IpPermission{
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
				IpRanges:   []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0"), Description: aws.String("ssh")}, {CidrIp: aws.String("198.51.100.0/24"), Description: aws.String("partner")}},
				Ipv6Ranges: []ec2types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}},
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(5432), ToPort: aws.Int32(5432), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: &group}}},
		}
	})
	opened := []string{"tcp 22-22 from 0.0.0.0/0 (ssh)", "tcp 22-22 from 198.51.100.0/24 (partner)", "tcp 22-22 from ::/0 ()", "tcp 443-443 from 0.0.0.0/0 ()", "tcp 5432-5432 from " + group}
	if got := ingressOf(t, w, group); !slices.Equal(got, opened) {
		t.Fatalf("moto's group: %v, want %v", got, opened)
	}
	req := map[string]any{"groupId": group, "ipPermissions": map[string]any{"items": []any{
		map[string]any{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22,
			"ipRanges":   map[string]any{"items": []any{map[string]any{"cidrIp": "0.0.0.0/0", "description": "ssh"}}},
			"ipv6Ranges": map[string]any{"items": []any{map[string]any{"cidrIpv6": "::/0"}}}}}}}
	event := func(id string) string {
		return callEvent(t, id, "AuthorizeSecurityGroupIngress", req, map[string]any{"_return": true})
	}
	src := "rules:\n  - control: EC2.13\n    actions: [{restrict-ingress: {cidrs: [10.0.0.0/8]}}]\n"
	dir := t.TempDir()
	what := "2 rules of " + group + ": ingress tcp 22 from 0.0.0.0/0, ingress tcp 22 from ::/0 → from 10.0.0.0/8"
	if d := handledOn(t, writeFile(t, dir, "dry.yaml", src), group, event("ev-dry"), "--no-state"); d.Outcome != engine.DryRun || d.Action != "restrict-ingress" || d.Reason != "would restrict "+what {
		t.Errorf("the dry run: %+v", d)
	}
	if got := ingressOf(t, w, group); !slices.Equal(got, opened) {
		t.Fatalf("the dry run changed the group: %v, want %v", got, opened)
	}
	enforced := writeFile(t, dir, "enforced.yaml", strings.ReplaceAll(src, "    actions:", "    mode: enforce\n    actions:"))
	if d := handledOn(t, enforced, group, event("ev-1"), "--no-state"); d.Outcome != engine.Applied || d.Action != "restrict-ingress" || d.Reason != "restricted "+what {
		t.Fatalf("the event: %+v", d)
	}
	want := []string{"tcp 22-22 from 10.0.0.0/8 (ssh)", "tcp 22-22 from 198.51.100.0/24 (partner)", "tcp 443-443 from 0.0.0.0/0 ()", "tcp 5432-5432 from " + group}
	if got := ingressOf(t, w, group); !slices.Equal(got, want) {
		t.Errorf("the group's ingress after: %v, want %v", got, want)
	}
	if d := handledOn(t, enforced, group, event("ev-2"), "--no-state"); d.Outcome != engine.Skipped || d.Action != "" {
		t.Errorf("the event again: %+v, want the filter not to hold", d)
	}
	if got := ingressOf(t, w, group); !slices.Equal(got, want) {
		t.Errorf("the group's ingress after the event again: %v, want %v", got, want)
	}
}

// quarantine under EC2G-NET-12 on moto through the real SDK: an instance with two network
// interfaces, the first in an open group (6379 from 0.0.0.0/0) and the instance's own, the
// second in the open group, fails the control; the dry run names what it would do and
// leaves DescribeInstances, DescribeSecurityGroups and DescribeSnapshots as they were;
// enforced, the volumes are snapshotted, the VPC's isolation group is made with no rule in
// or out (the allow-all egress AWS gives it revoked), both interfaces get it alone, and the
// instance is tagged with why and when; the control passes, the open group is as it was,
// and a scan again does nothing.
func TestQuarantineFromScanToEnforce(t *testing.T) {
	w := newWorld(t)
	id, vpc, open := exposedInstance(t, w)
	if before := controlRecords(t, "EC2G-NET-12"); before["EC2G-NET-12 "+id].Status != controls.Fail {
		t.Fatalf("before: %+v", before["EC2G-NET-12 "+id])
	}
	src := "rules:\n  - control: EC2G-NET-12\n    actions: [{quarantine: {snapshot: true}}]\n"
	dir := t.TempDir()
	was := quarantineWorld(t, w, id)
	dry := actedOn(t, writeFile(t, dir, "dry.yaml", src))["EC2G-NET-12 "+id]
	wantQuarantineDryRun(t, dry, id, vpc)
	if now := quarantineWorld(t, w, id); now != was {
		t.Fatalf("the dry run changed moto:\n%s\n%s", was, now)
	}
	enforced := writeFile(t, dir, "enforced.yaml", strings.ReplaceAll(src, "    actions:", "    mode: enforce\n    actions:"))
	done := actedOn(t, enforced)["EC2G-NET-12 "+id]
	wantQuarantined(t, w, done, id, vpc, open, "rule "+done.Rule)
	if after := controlRecords(t, "EC2G-NET-12"); after["EC2G-NET-12 "+id].Status != controls.Pass {
		t.Errorf("after: %+v", after["EC2G-NET-12 "+id])
	}
	if again := actedOn(t, enforced); len(again) != 0 {
		t.Errorf("a scan after the fix acts: %v", again)
	}
}

// The RunInstances of an instance open on a high-risk port, handled as EventBridge sends it,
// under - control: EC2G-NET-12 with quarantine (snapshot: true): the dry run names what it
// would do and leaves the instance, the groups and the snapshots as they were; enforced, the
// volumes are snapshotted, both interfaces get the VPC's isolation group alone (made with no
// rule in or out), and the instance is tagged with when and why — the rule and the call. The
// same event again changes nothing: the control's filter no longer holds of the instance.
func TestQuarantineOnRunInstancesEvent(t *testing.T) {
	w := newWorld(t)
	id, vpc, open := exposedInstance(t, w)
	run := callEvent(t, "ev-run", "RunInstances", map[string]any{"instanceType": "t3.micro"},
		map[string]any{"reservationId": "r-1", "instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": id}}}})
	src := "rules:\n  - control: EC2G-NET-12\n    actions: [{quarantine: {snapshot: true}}]\n"
	dir := t.TempDir()
	was := quarantineWorld(t, w, id)
	wantQuarantineDryRun(t, handledOn(t, writeFile(t, dir, "dry.yaml", src), id, run, "--no-state"), id, vpc)
	if now := quarantineWorld(t, w, id); now != was {
		t.Fatalf("the dry run changed moto:\n%s\n%s", was, now)
	}
	enforced := writeFile(t, dir, "enforced.yaml", strings.ReplaceAll(src, "    actions:", "    mode: enforce\n    actions:"))
	state := filepath.Join(dir, "ledger.db")
	done := handledOn(t, enforced, id, run, "--state", state)
	wantQuarantined(t, w, done, id, vpc, open, "rule "+done.Rule+" on RunInstances")
	was = quarantineWorld(t, w, id)
	// The filters judge the instance as it is now, before the ledger is asked: isolated, it
	// no longer fails the control, so the event again is a no-op, not a duplicate.
	if d := handledOn(t, enforced, id, run, "--state", state); d.Outcome != engine.Skipped || d.Action != "" {
		t.Errorf("the same event again: %+v, want the filter not to hold", d)
	}
	if now := quarantineWorld(t, w, id); now != was {
		t.Errorf("the event again changed moto:\n%s\n%s", was, now)
	}
}

// exposedInstance is an instance that fails EC2G-NET-12, with two network interfaces: the
// first in an open group (6379 from 0.0.0.0/0) and the instance's own, the second in the
// open group; and its VPC and the open group.
func exposedInstance(t *testing.T, w *world) (id, vpc, open string) {
	t.Helper()
	ctx := w.Ctx
	id = w.Run(nil, false)
	in := instanceOf(t, w, id)
	if len(in.NetworkInterfaces) != 1 || in.VpcId == nil {
		t.Fatalf("moto's instance: %+v", in.NetworkInterfaces)
	}
	vpc, own := *in.VpcId, *in.NetworkInterfaces[0].Groups[0].GroupId
	sg, err := w.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("cache"), Description: aws.String("cache"), VpcId: &vpc})
	if err != nil {
		t.Fatal(err)
	}
	open = *sg.GroupId
	if _, err := w.EC2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &open, IpPermissions: []ec2types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(6379), ToPort: aws.Int32(6379), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}}); err != nil {
		t.Fatal(err)
	}
	first := *in.NetworkInterfaces[0].NetworkInterfaceId
	if _, err := w.EC2.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: &first, Groups: []string{open, own}}); err != nil {
		t.Fatal(err)
	}
	eni, err := w.EC2.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: in.SubnetId, Groups: []string{open}})
	if err != nil {
		t.Fatal(err)
	}
	second := *eni.NetworkInterface.NetworkInterfaceId
	if _, err := w.EC2.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: &second, InstanceId: &id, DeviceIndex: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	return id, vpc, open
}

// instanceOf is the instance as moto describes it now.
func instanceOf(t *testing.T, w *world, id string) ec2types.Instance {
	t.Helper()
	out, err := w.EC2.DescribeInstances(w.Ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		t.Fatalf("describing %s: %v", id, err)
	}
	return out.Reservations[0].Instances[0]
}

// quarantineWorld is what a quarantine that does nothing must leave as it was: the instance,
// every security group and the account's snapshots, as moto describes them.
func quarantineWorld(t *testing.T, w *world, id string) string {
	t.Helper()
	gs, err := w.EC2.DescribeSecurityGroups(w.Ctx, &ec2.DescribeSecurityGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	snaps, err := w.EC2.DescribeSnapshots(w.Ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal([]any{instanceOf(t, w, id), gs.SecurityGroups, snaps.Snapshots})
	return string(b)
}

// wantQuarantineDryRun holds the dry run of quarantine (snapshot: true) of an exposed
// instance to naming the snapshot, the isolation and the group to make.
func wantQuarantineDryRun(t *testing.T, d engine.Decision, id, vpc string) {
	t.Helper()
	if d.Outcome != engine.DryRun || !strings.HasPrefix(d.Reason, "would snapshot vol-") ||
		!strings.Contains(d.Reason, "then isolate "+id+": ") || !strings.Contains(d.Reason, "make ec2guard-quarantine in "+vpc) {
		t.Errorf("dry run: %+v", d)
	}
}

// wantQuarantined holds an exposed instance, after quarantine (snapshot: true) applied (d),
// to the effects on moto: the VPC's isolation group with no rule in or out, each of the two
// interfaces in it alone, the instance tagged when and why (reason), its volumes snapshotted
// and tagged with it, and the open group as it was.
func wantQuarantined(t *testing.T, w *world, d engine.Decision, id, vpc, open, reason string) {
	t.Helper()
	ctx := w.Ctx
	if d.Outcome != engine.Applied || !strings.HasPrefix(d.Reason, "isolated "+id+": ") || !strings.Contains(d.Reason, "snapshotted first: vol-") {
		t.Errorf("enforced: %+v", d)
	}
	t.Logf("%s", d.Reason)
	iso, err := w.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("group-name"), Values: []string{"ec2guard-quarantine"}}}})
	if err != nil || len(iso.SecurityGroups) != 1 {
		t.Fatalf("the isolation group: %v %+v", err, iso)
	}
	g := iso.SecurityGroups[0]
	if len(g.IpPermissions)+len(g.IpPermissionsEgress) != 0 {
		t.Errorf("the isolation group has rules: %+v %+v", g.IpPermissions, g.IpPermissionsEgress)
	}
	after := instanceOf(t, w, id)
	for _, n := range after.NetworkInterfaces {
		if len(n.Groups) != 1 || *n.Groups[0].GroupId != *g.GroupId {
			t.Errorf("%s after: %+v, want %s alone", *n.NetworkInterfaceId, n.Groups, *g.GroupId)
		}
	}
	if len(after.NetworkInterfaces) != 2 {
		t.Errorf("interfaces after: %d", len(after.NetworkInterfaces))
	}
	tags := w.Tags(id)
	if _, err := time.Parse(time.RFC3339, tags["ec2guard:quarantined"]); err != nil || tags["ec2guard:quarantine-reason"] != reason {
		t.Errorf("the instance's tags: %v, want ec2guard:quarantined a time and ec2guard:quarantine-reason %q", tags, reason)
	}
	snaps, err := w.EC2.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: []ec2types.Filter{
		{Name: aws.String("tag:ec2guard:source-instance"), Values: []string{id}}}})
	if err != nil || len(snaps.Snapshots) == 0 {
		t.Errorf("the forensic snapshots: %v %+v", err, snaps)
	}
	cache, err := w.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{open}})
	if err != nil || len(cache.SecurityGroups[0].IpPermissions) != 1 {
		t.Errorf("the open group after: %v %+v", err, cache)
	}
}
