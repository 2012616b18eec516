package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

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
	sg, err := w.EC2.CreateSecurityGroup(w.Ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("opened"), Description: aws.String("opened")})
	if err != nil {
		t.Fatal(err)
	}
	group := *sg.GroupId
	perms := []ec2types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
	}
	if _, err := w.EC2.AuthorizeSecurityGroupIngress(w.Ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &group, IpPermissions: perms}); err != nil {
		t.Fatal(err)
	}
	req := map[string]any{"groupId": group, "ipPermissions": map[string]any{"items": []any{
		map[string]any{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": map[string]any{"items": []any{map[string]any{"cidrIp": "0.0.0.0/0"}}}}}}}
	file := writeFile(t, t.TempDir(), "ssh.yaml", "rules:\n  - control: EC2.13\n    mode: enforce\n    actions: [revoke-ingress]\n")
	handle := func(id string) engine.Decision {
		t.Helper()
		code, out, errOut := runCLI(t, callEvent(t, id, "AuthorizeSecurityGroupIngress", req, map[string]any{"_return": true}), "handle", "-r", file, "--no-state", "-")
		if code != 0 {
			t.Fatalf("handle: exit %d: %s\n%s", code, errOut, out)
		}
		ds := decisions(t, out)
		if len(ds) != 1 || ds[0].Resource != group {
			t.Fatalf("decisions: %+v", ds)
		}
		return ds[0]
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
	ctx := w.Ctx
	id := w.Run(nil, false)
	inst := func() ec2types.Instance {
		t.Helper()
		out, err := w.EC2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
		if err != nil || len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
			t.Fatalf("describing %s: %v", id, err)
		}
		return out.Reservations[0].Instances[0]
	}
	in := inst()
	if len(in.NetworkInterfaces) != 1 || in.VpcId == nil {
		t.Fatalf("moto's instance: %+v", in.NetworkInterfaces)
	}
	vpc, own := *in.VpcId, *in.NetworkInterfaces[0].Groups[0].GroupId
	sg, err := w.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("cache"), Description: aws.String("cache"), VpcId: &vpc})
	if err != nil {
		t.Fatal(err)
	}
	open := *sg.GroupId
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
	world := func() string { // what the dry run must leave as it was
		t.Helper()
		gs, err := w.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
		if err != nil {
			t.Fatal(err)
		}
		snaps, err := w.EC2.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal([]any{inst(), gs.SecurityGroups, snaps.Snapshots})
		return string(b)
	}
	if before := controlRecords(t, "EC2G-NET-12"); before["EC2G-NET-12 "+id].Status != controls.Fail {
		t.Fatalf("before: %+v", before["EC2G-NET-12 "+id])
	}
	src := "rules:\n  - control: EC2G-NET-12\n    actions: [{quarantine: {snapshot: true}}]\n"
	dir := t.TempDir()
	was := world()
	dry := actedOn(t, writeFile(t, dir, "dry.yaml", src))["EC2G-NET-12 "+id]
	if dry.Outcome != engine.DryRun || !strings.HasPrefix(dry.Reason, "would snapshot vol-") ||
		!strings.Contains(dry.Reason, "then isolate "+id+": ") || !strings.Contains(dry.Reason, "make ec2guard-quarantine in "+vpc) {
		t.Errorf("dry run: %+v", dry)
	}
	if now := world(); now != was {
		t.Fatalf("the dry run changed moto:\n%s\n%s", was, now)
	}
	enforced := writeFile(t, dir, "enforced.yaml", strings.ReplaceAll(src, "    actions:", "    mode: enforce\n    actions:"))
	done := actedOn(t, enforced)["EC2G-NET-12 "+id]
	if done.Outcome != engine.Applied || !strings.HasPrefix(done.Reason, "isolated "+id+": ") || !strings.Contains(done.Reason, "snapshotted first: vol-") {
		t.Errorf("enforced: %+v", done)
	}
	t.Logf("%s", done.Reason)
	iso, err := w.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("group-name"), Values: []string{"ec2guard-quarantine"}}}})
	if err != nil || len(iso.SecurityGroups) != 1 {
		t.Fatalf("the isolation group: %v %+v", err, iso)
	}
	g := iso.SecurityGroups[0]
	if len(g.IpPermissions)+len(g.IpPermissionsEgress) != 0 {
		t.Errorf("the isolation group has rules: %+v %+v", g.IpPermissions, g.IpPermissionsEgress)
	}
	after := inst()
	for _, n := range after.NetworkInterfaces {
		if len(n.Groups) != 1 || *n.Groups[0].GroupId != *g.GroupId {
			t.Errorf("%s after: %+v, want %s alone", *n.NetworkInterfaceId, n.Groups, *g.GroupId)
		}
	}
	if len(after.NetworkInterfaces) != 2 {
		t.Errorf("interfaces after: %d", len(after.NetworkInterfaces))
	}
	tags := w.Tags(id)
	if tags["ec2guard:quarantine-reason"] != "rule "+done.Rule || tags["ec2guard:quarantined"] == "" {
		t.Errorf("the instance's tags: %v", tags)
	}
	snaps, err := w.EC2.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: []ec2types.Filter{
		{Name: aws.String("tag:ec2guard:source-instance"), Values: []string{id}}}})
	if err != nil || len(snaps.Snapshots) == 0 {
		t.Errorf("the forensic snapshots: %v %+v", err, snaps)
	}
	if after := controlRecords(t, "EC2G-NET-12"); after["EC2G-NET-12 "+id].Status != controls.Pass {
		t.Errorf("after: %+v", after["EC2G-NET-12 "+id])
	}
	cache, err := w.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{open}})
	if err != nil || len(cache.SecurityGroups[0].IpPermissions) != 1 {
		t.Errorf("the open group after: %v %+v", err, cache)
	}
	if again := actedOn(t, enforced); len(again) != 0 {
		t.Errorf("a scan after the fix acts: %v", again)
	}
}
