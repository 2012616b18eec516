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
	file := deployLintCheck(t, example, config, "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress", "security-group/*")
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
