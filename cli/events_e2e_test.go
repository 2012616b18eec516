package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/internal/mototest"
)

// callEvent is the EventBridge event AWS sends for a CloudTrail record of an EC2 call whose
// requestParameters and responseElements are req and resp (in CloudTrail's shapes).
func callEvent(t *testing.T, id, name string, req, resp any) string {
	t.Helper()
	ev := map[string]any{
		"version": "0", "id": id, "detail-type": "AWS API Call via CloudTrail", "source": "aws.ec2", "account": "123456789012",
		"time": "2026-11-22T10:05:00Z", "region": "us-east-1", "resources": []any{},
		"detail": map[string]any{
			"eventVersion": "1.09", "eventTime": "2026-11-22T10:05:00Z", "eventSource": "ec2.amazonaws.com", "eventName": name,
			"awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7", "userAgent": "aws-sdk-go-v2",
			"userIdentity":      map[string]any{"type": "IAMUser", "principalId": "AIDABOB", "arn": "arn:aws:iam::123456789012:user/bob", "accountId": "123456789012", "userName": "bob"},
			"requestParameters": req, "responseElements": resp, "requestID": "r-" + id, "eventID": id,
			"readOnly": false, "eventType": "AwsApiCall", "managementEvent": true, "recipientAccountId": "123456789012", "eventCategory": "Management",
		},
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// judged is one call made on moto through the SDK, the event AWS sends for it, and a rule on
// that call whose filter holds of the resource the call changed.
type judged struct {
	call   string
	filter string
	event  string
	want   []string // the resources the rule judges, each a decision record naming it
	holds  bool     // the filter holds (a dry-run record), or not (skipped, naming the filter)
}

// TestEveryCallJudgedOnMoto: each CloudTrail call ec2guard reads is made on moto through the
// SDK; the event AWS sends for it goes to handle with a rule on that call (its kinds the
// call's, by default), whose filter reads the resource as it is now and holds: a dry-run
// decision names the resource (and a skipped one the filter, where it does not hold). Where moto lacks the call (it answers 500), the test says so
// and the event is judged all the same (the account's settings moto has).
func TestEveryCallJudgedOnMoto(t *testing.T) {
	w := newWorld(t)
	ctx, cl := w.Ctx, w.EC2
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	lacks := func(call string, err error) {
		t.Helper()
		// moto 5 answers these with a 500 (not implemented); the event is what AWS would send.
		if err == nil || !strings.Contains(err.Error(), "StatusCode: 500") {
			t.Errorf("%s on moto: %v, want its 500 (if moto has it now, drop this check)", call, err)
		}
	}
	var cases []judged
	add := func(call, filter string, req, resp any, ids ...string) {
		cases = append(cases, judged{call: call, filter: filter, event: callEvent(t, fmt.Sprintf("e-%d", len(cases)), call, req, resp), want: ids, holds: true})
	}
	ok := map[string]any{"requestId": "r", "_return": true}

	// security groups
	sg, err := cl.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("web-e2e"), Description: aws.String("web")})
	must(err)
	group := *sg.GroupId
	add("CreateSecurityGroup", "{attr: GroupName, equals: web-e2e}", map[string]any{"groupName": "web-e2e", "groupDescription": "web"}, map[string]any{"_return": true, "groupId": group}, group)
	auth, err := cl.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &group, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	must(err)
	var rules []any
	for _, r := range auth.SecurityGroupRules {
		rules = append(rules, map[string]any{"groupId": aws.ToString(r.GroupId), "securityGroupRuleId": aws.ToString(r.SecurityGroupRuleId), "isEgress": false})
	}
	perm := map[string]any{"items": []any{map[string]any{"ipProtocol": "tcp", "fromPort": 22, "toPort": 22, "ipRanges": map[string]any{"items": []any{map[string]any{"cidrIp": "0.0.0.0/0"}}}}}}
	add("AuthorizeSecurityGroupIngress", "{ingress: {ports: [22], from: internet}}", map[string]any{"groupId": group, "ipPermissions": perm},
		map[string]any{"_return": true, "securityGroupRuleSet": map[string]any{"items": rules}}, group)
	_, err = cl.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: &group, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(25), ToPort: aws.Int32(25), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	must(err)
	add("AuthorizeSecurityGroupEgress", "{attr: 'IpPermissionsEgress[].FromPort', equals: 25}", map[string]any{"groupId": group, "ipPermissions": perm}, ok, group)
	if len(auth.SecurityGroupRules) > 0 {
		ruleID := auth.SecurityGroupRules[0].SecurityGroupRuleId
		_, err = cl.ModifySecurityGroupRules(ctx, &ec2.ModifySecurityGroupRulesInput{GroupId: &group, SecurityGroupRules: []ec2types.SecurityGroupRuleUpdate{{
			SecurityGroupRuleId: ruleID, SecurityGroupRule: &ec2types.SecurityGroupRuleRequest{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), CidrIpv4: aws.String("0.0.0.0/0")}}}})
		must(err)
		add("ModifySecurityGroupRules", "{ingress: {ports: [22], from: internet}}",
			map[string]any{"ModifySecurityGroupRulesRequest": map[string]any{"GroupId": group, "SecurityGroupRule": map[string]any{"SecurityGroupRuleId": *ruleID,
				"SecurityGroupRule": map[string]any{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIpv4": "0.0.0.0/0"}}}},
			map[string]any{"ModifySecurityGroupRulesResponse": map[string]any{"return": true}}, group)
	}

	// instances
	inst := w.Run(nil, false)
	add("RunInstances", "{attr: MetadataOptions.HttpTokens, present: true}", map[string]any{"instanceType": "t3.micro"},
		map[string]any{"reservationId": "r-1", "instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": inst}}}}, inst)
	_, err = cl.ModifyInstanceMetadataOptions(ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: &inst, HttpTokens: ec2types.HttpTokensStateOptional})
	must(err)
	add("ModifyInstanceMetadataOptions", "{attr: MetadataOptions.HttpTokens, equals: optional}",
		map[string]any{"ModifyInstanceMetadataOptionsRequest": map[string]any{"InstanceId": inst, "HttpTokens": "optional"}},
		map[string]any{"ModifyInstanceMetadataOptionsResponse": map[string]any{"instanceId": inst, "instanceMetadataOptions": map[string]any{"httpTokens": "optional", "state": "pending"}}}, inst)
	_, err = cl.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &inst, InstanceType: &ec2types.AttributeValue{Value: aws.String("t3.small")}})
	must(err)
	add("ModifyInstanceAttribute", "{attr: InstanceType, equals: t3.small}", map[string]any{"instanceId": inst, "instanceType": map[string]any{"value": "t3.small"}}, ok, inst)

	// volumes, snapshots, images
	vol, err := cl.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1)})
	must(err)
	add("CreateVolume", "{attr: Encrypted, equals: false}", map[string]any{"size": 1, "zone": "us-east-1a"}, map[string]any{"volumeId": *vol.VolumeId, "size": "1", "encrypted": false}, *vol.VolumeId)
	enc, err := cl.CreateVolume(ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1), Encrypted: aws.Bool(true)})
	must(err)
	add("CreateVolume", "{attr: Encrypted, equals: false}", map[string]any{"size": 1, "zone": "us-east-1a", "encrypted": true}, map[string]any{"volumeId": *enc.VolumeId, "encrypted": true}, *enc.VolumeId)
	cases[len(cases)-1].holds = false
	_, err = cl.ModifyVolume(ctx, &ec2.ModifyVolumeInput{VolumeId: vol.VolumeId, Size: aws.Int32(2)})
	must(err)
	add("ModifyVolume", "{attr: Encrypted, equals: false}", map[string]any{"ModifyVolumeRequest": map[string]any{"VolumeId": *vol.VolumeId, "Size": 2}},
		map[string]any{"ModifyVolumeResponse": map[string]any{"volumeModification": map[string]any{"volumeId": *vol.VolumeId}}}, *vol.VolumeId)
	_, err = cl.AttachVolume(ctx, &ec2.AttachVolumeInput{VolumeId: vol.VolumeId, InstanceId: &inst, Device: aws.String("/dev/sdf")})
	must(err)
	add("AttachVolume", "{unused: false}", map[string]any{"volumeId": *vol.VolumeId, "instanceId": inst, "device": "/dev/sdf"}, map[string]any{"volumeId": *vol.VolumeId, "status": "attaching"}, *vol.VolumeId)
	snap, err := cl.CreateSnapshot(ctx, &ec2.CreateSnapshotInput{VolumeId: vol.VolumeId})
	must(err)
	add("CreateSnapshot", "{attr: VolumeId, equals: "+*vol.VolumeId+"}", map[string]any{"volumeId": *vol.VolumeId}, map[string]any{"snapshotId": *snap.SnapshotId, "volumeId": *vol.VolumeId}, *snap.SnapshotId)
	_, err = cl.ModifySnapshotAttribute(ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: snap.SnapshotId, Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission,
		OperationType: ec2types.OperationTypeAdd, GroupNames: []string{"all"}})
	must(err)
	add("ModifySnapshotAttribute", "{public: true}", map[string]any{"snapshotId": *snap.SnapshotId, "createVolumePermission": map[string]any{"add": map[string]any{"items": []any{map[string]any{"group": "all"}}}},
		"attributeType": "CREATE_VOLUME_PERMISSION"}, ok, *snap.SnapshotId)
	copied, err := cl.CopySnapshot(ctx, &ec2.CopySnapshotInput{SourceSnapshotId: snap.SnapshotId, SourceRegion: aws.String("us-east-1")})
	must(err)
	add("CopySnapshot", "{public: false}", map[string]any{"sourceSnapshotId": *snap.SnapshotId, "sourceRegion": "us-east-1"}, map[string]any{"snapshotId": *copied.SnapshotId}, *copied.SnapshotId)
	img, err := cl.CreateImage(ctx, &ec2.CreateImageInput{InstanceId: &inst, Name: aws.String("golden-e2e")})
	must(err)
	add("CreateImage", "{attr: Name, equals: golden-e2e}", map[string]any{"instanceId": inst, "name": "golden-e2e"}, map[string]any{"imageId": *img.ImageId}, *img.ImageId)
	_, err = cl.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: img.ImageId, LaunchPermission: &ec2types.LaunchPermissionModifications{Add: []ec2types.LaunchPermission{{Group: ec2types.PermissionGroupAll}}}})
	must(err)
	add("ModifyImageAttribute", "{public: true}", map[string]any{"imageId": *img.ImageId, "launchPermission": map[string]any{"add": map[string]any{"items": []any{map[string]any{"group": "all"}}}},
		"attributeType": "launchPermission"}, ok, *img.ImageId)
	cimg, err := cl.CopyImage(ctx, &ec2.CopyImageInput{SourceImageId: img.ImageId, SourceRegion: aws.String("us-east-1"), Name: aws.String("copy-e2e")})
	must(err)
	add("CopyImage", "{attr: Name, equals: copy-e2e}", map[string]any{"sourceImageId": *img.ImageId, "sourceRegion": "us-east-1", "name": "copy-e2e"}, map[string]any{"imageId": *cimg.ImageId}, *cimg.ImageId)

	// addresses
	eip, err := cl.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	must(err)
	alloc, ip := *eip.AllocationId, *eip.PublicIp
	add("AllocateAddress", "{unused: true}", map[string]any{"domain": "vpc"}, map[string]any{"publicIp": ip, "allocationId": alloc, "domain": "vpc"}, alloc)
	assoc, err := cl.AssociateAddress(ctx, &ec2.AssociateAddressInput{AllocationId: &alloc, InstanceId: &inst})
	must(err)
	add("AssociateAddress", "{tag: Quarantine, absent: true}", map[string]any{"allocationId": alloc, "instanceId": inst}, map[string]any{"_return": true, "associationId": *assoc.AssociationId}, alloc, inst)
	_, err = cl.DisassociateAddress(ctx, &ec2.DisassociateAddressInput{PublicIp: &ip})
	must(err)
	add("DisassociateAddress", "{unused: true}", map[string]any{"publicIp": ip}, ok, ip)

	// launch templates
	lt, err := cl.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("lt-e2e"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String("ami-12c6146b"), MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: ec2types.LaunchTemplateHttpTokensStateOptional}}})
	must(err)
	ltID := *lt.LaunchTemplate.LaunchTemplateId
	add("CreateLaunchTemplate", "{attr: LaunchTemplateName, equals: lt-e2e}", map[string]any{"CreateLaunchTemplateRequest": map[string]any{"LaunchTemplateName": "lt-e2e"}},
		map[string]any{"CreateLaunchTemplateResponse": map[string]any{"launchTemplate": map[string]any{"launchTemplateId": ltID, "launchTemplateName": "lt-e2e"}}}, ltID)
	_, err = cl.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateName: aws.String("lt-e2e"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{InstanceType: ec2types.InstanceTypeT3Micro}})
	must(err)
	add("CreateLaunchTemplateVersion", "{attr: LatestVersionNumber, equals: 2}", map[string]any{"CreateLaunchTemplateVersionRequest": map[string]any{"LaunchTemplateName": "lt-e2e"}},
		map[string]any{"CreateLaunchTemplateVersionResponse": map[string]any{"launchTemplateVersion": map[string]any{"launchTemplateId": ltID, "versionNumber": 2}}}, ltID)
	_, err = cl.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: &ltID, DefaultVersion: aws.String("2")})
	must(err)
	add("ModifyLaunchTemplate", "{attr: LaunchTemplateName, equals: lt-e2e}", map[string]any{"ModifyLaunchTemplateRequest": map[string]any{"LaunchTemplateId": ltID, "SetDefaultVersion": "2"}},
		map[string]any{"ModifyLaunchTemplateResponse": map[string]any{"launchTemplate": map[string]any{"launchTemplateId": ltID}}}, ltID)

	// subnets and network ACLs
	vpc, err := cl.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})
	must(err)
	sub, err := cl.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String("10.9.1.0/24")})
	must(err)
	subnet := *sub.Subnet.SubnetId
	_, err = cl.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: &subnet, MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}})
	must(err)
	add("ModifySubnetAttribute", "{attr: MapPublicIpOnLaunch, equals: true}", map[string]any{"subnetId": subnet, "mapPublicIpOnLaunch": map[string]any{"value": true}}, ok, subnet)
	acl, err := cl.CreateNetworkAcl(ctx, &ec2.CreateNetworkAclInput{VpcId: vpc.Vpc.VpcId})
	must(err)
	aclID := *acl.NetworkAcl.NetworkAclId
	_, err = cl.CreateNetworkAclEntry(ctx, &ec2.CreateNetworkAclEntryInput{NetworkAclId: &aclID, RuleNumber: aws.Int32(100), Protocol: aws.String("6"), RuleAction: ec2types.RuleActionAllow,
		Egress: aws.Bool(false), CidrBlock: aws.String("0.0.0.0/0"), PortRange: &ec2types.PortRange{From: aws.Int32(22), To: aws.Int32(22)}})
	must(err)
	add("CreateNetworkAclEntry", "{attr: 'Entries[].RuleNumber', equals: 100}", map[string]any{"networkAclId": aclID, "ruleNumber": 100, "egress": false, "ruleAction": "allow",
		"protocol": "6", "portRange": map[string]any{"from": 22, "to": 22}, "cidrBlock": "0.0.0.0/0"}, ok, aclID)
	_, err = cl.ReplaceNetworkAclEntry(ctx, &ec2.ReplaceNetworkAclEntryInput{NetworkAclId: &aclID, RuleNumber: aws.Int32(100), Protocol: aws.String("-1"), RuleAction: ec2types.RuleActionAllow,
		Egress: aws.Bool(false), CidrBlock: aws.String("0.0.0.0/0")})
	must(err)
	add("ReplaceNetworkAclEntry", "{attr: 'Entries[].Protocol', equals: '-1'}", map[string]any{"networkAclId": aclID, "ruleNumber": 100, "egress": false, "ruleAction": "allow", "protocol": "-1", "cidrBlock": "0.0.0.0/0"}, ok, aclID)

	// the account's settings
	_, err = cl.DisableEbsEncryptionByDefault(ctx, &ec2.DisableEbsEncryptionByDefaultInput{})
	must(err)
	add("DisableEbsEncryptionByDefault", "{attr: EbsEncryptionByDefault, equals: false}", map[string]any{"DisableEbsEncryptionByDefaultRequest": ""},
		map[string]any{"DisableEbsEncryptionByDefaultResponse": map[string]any{"ebsEncryptionByDefault": false}}, "123456789012")
	_, err = cl.ModifyInstanceMetadataDefaults(ctx, &ec2.ModifyInstanceMetadataDefaultsInput{HttpTokens: ec2types.MetadataDefaultHttpTokensStateOptional})
	lacks("ModifyInstanceMetadataDefaults", err)
	add("ModifyInstanceMetadataDefaults", "{attr: EbsEncryptionByDefault, equals: false}", map[string]any{"ModifyInstanceMetadataDefaultsRequest": map[string]any{"HttpTokens": "optional"}},
		map[string]any{"ModifyInstanceMetadataDefaultsResponse": map[string]any{"return": true}}, "123456789012")
	_, err = cl.DisableSnapshotBlockPublicAccess(ctx, &ec2.DisableSnapshotBlockPublicAccessInput{})
	lacks("DisableSnapshotBlockPublicAccess", err)
	add("DisableSnapshotBlockPublicAccess", "{attr: EbsEncryptionByDefault, equals: false}", map[string]any{"DisableSnapshotBlockPublicAccessRequest": ""},
		map[string]any{"DisableSnapshotBlockPublicAccessResponse": map[string]any{"state": "unblocked"}}, "123456789012")
	_, err = cl.DisableImageBlockPublicAccess(ctx, &ec2.DisableImageBlockPublicAccessInput{})
	lacks("DisableImageBlockPublicAccess", err)
	add("DisableImageBlockPublicAccess", "{attr: EbsEncryptionByDefault, equals: false}", map[string]any{"DisableImageBlockPublicAccessRequest": ""},
		map[string]any{"DisableImageBlockPublicAccessResponse": map[string]any{"imageBlockPublicAccessState": "unblocked"}}, "123456789012")

	// One rule per call (its kinds by default: the call's), dry run.
	var rf strings.Builder
	rf.WriteString("rules:\n")
	var input []string
	for i, c := range cases {
		fmt.Fprintf(&rf, "  - name: r%d-%s\n    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [%s], errorCode: [{exists: false}]}}\n"+
			"    filters: [%s]\n    actions: [{notify: {topic: %q}}]\n", i, c.call, c.call, c.filter, w.topic)
		input = append(input, c.event)
	}
	path := filepath.Join(t.TempDir(), "calls.yaml")
	must(os.WriteFile(path, []byte(rf.String()), 0o644))
	code, out, errOut := runCLI(t, strings.Join(input, "\n"), "handle", "-r", path, "--dry-run", "--aws-max-backoff", "20ms")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	got := map[string]engine.Decision{}
	for _, d := range decisions(t, out) {
		got[d.Rule+"/"+d.Resource] = d
	}
	for i, c := range cases {
		for _, id := range c.want {
			d, ok := got[fmt.Sprintf("r%d-%s/%s", i, c.call, id)]
			want := engine.DryRun
			if !c.holds {
				want = engine.Skipped
			}
			if !ok || d.Outcome != want || d.EventName != c.call || !c.holds && !strings.Contains(d.Reason, "Encrypted") ||
				!slices.Contains(event.CallKinds(c.call), d.Kind) {
				t.Errorf("%s on %s: %+v (found %v)", c.call, id, d, ok)
			}
		}
	}
	expected := map[string]bool{}
	for i, c := range cases {
		for _, id := range c.want {
			expected[fmt.Sprintf("r%d-%s/%s", i, c.call, id)] = true
		}
	}
	for k, d := range got {
		if !expected[k] {
			// the two CreateVolume rules select each other's event too: judged all the same
			if !strings.HasSuffix(strings.SplitN(k, "/", 2)[0], "-CreateVolume") {
				t.Errorf("a decision of no call's rule: %s %+v", k, d)
			}
		}
	}
	t.Logf("%d calls judged, %d decisions", len(cases), len(got))
}

// A Security Hub and a GuardDuty finding are acted on through the instance they name, in the
// place they name it: the filter reads it as it is now, and stop stops it.
func TestFindingsActedOnThroughTheirInstance(t *testing.T) {
	w := newWorld(t)
	west := w.InRegion("us-west-2")
	hub, duty, safe := west.Run(nil, false), w.Run(nil, false), w.Run(nil, false)
	imdsv1 := func(f *mototest.Fleet, id string, tokens ec2types.HttpTokensState) {
		if _, err := f.EC2.ModifyInstanceMetadataOptions(f.Ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: &id, HttpTokens: tokens}); err != nil {
			t.Fatal(err)
		}
	}
	imdsv1(west, hub, ec2types.HttpTokensStateOptional)
	imdsv1(w.Fleet, duty, ec2types.HttpTokensStateOptional)
	imdsv1(w.Fleet, safe, ec2types.HttpTokensStateRequired)
	example := func(file string, change func(detail map[string]any)) string {
		return exampleEvent(t, file, func(ev map[string]any) { change(ev["detail"].(map[string]any)) })
	}
	// Security Hub's finding, aggregated into us-east-1, names an instance of us-west-2.
	hubEv := example("securityhub-finding.json", func(d map[string]any) {
		r := d["findings"].([]any)[0].(map[string]any)["Resources"].([]any)[0].(map[string]any)
		r["Id"], r["Region"] = "arn:aws:ec2:us-west-2:123456789012:instance/"+hub, "us-west-2"
	})
	dutyEv := example("guardduty-finding.json", func(d map[string]any) {
		d["resource"].(map[string]any)["instanceDetails"].(map[string]any)["instanceId"] = duty
	})
	safeEv := strings.Replace(example("guardduty-finding.json", func(d map[string]any) {
		d["resource"].(map[string]any)["instanceDetails"].(map[string]any)["instanceId"] = safe
	}), "c8c4daa7", "d8c4daa7", 1)
	rulesFile := filepath.Join(t.TempDir(), "findings.yaml")
	if err := os.WriteFile(rulesFile, []byte(`rules:
  - name: stop-imdsv1-on-findings
    pattern:
      $or:
        - {source: [aws.securityhub], detail-type: [Security Hub Findings - Imported], detail: {findings: {Compliance: {Status: [FAILED]}}}}
        - {source: [aws.guardduty], detail-type: [GuardDuty Finding], detail: {severity: [{numeric: [">=", 7]}]}}
    resources: [instance]   # findings can name every kind; this rule judges instances
    filters:
      - {attr: MetadataOptions.HttpTokens, equals: optional}
    actions: [stop]
    mode: enforce
`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, strings.Join([]string{hubEv, dutyEv, safeEv}, "\n"), "handle", "-r", rulesFile, "--aws-max-backoff", "20ms")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	got := map[string]engine.Decision{}
	for _, d := range decisions(t, out) {
		got[d.Resource] = d
	}
	if d := got[hub]; d.Outcome != engine.Applied || d.Action != "stop" {
		t.Errorf("Security Hub's instance in us-west-2: %+v", d)
	}
	if d := got[duty]; d.Outcome != engine.Applied || d.Action != "stop" {
		t.Errorf("GuardDuty's instance: %+v", d)
	}
	if d := got[safe]; d.Outcome != engine.Skipped || !strings.Contains(d.Reason, "HttpTokens") {
		t.Errorf("an instance that requires IMDSv2: %+v", d)
	}
	if s := west.State(hub); s != "stopping" && s != "stopped" {
		t.Errorf("Security Hub's instance is %s", s)
	}
	if s := w.State(duty); s != "stopping" && s != "stopped" {
		t.Errorf("GuardDuty's instance is %s", s)
	}
	if s := w.State(safe); s != "running" {
		t.Errorf("the safe instance is %s", s)
	}
}

// exampleEvent is an event of examples/events, changed by change (the whole event, decoded).
func exampleEvent(t *testing.T, file string, change func(ev map[string]any)) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "examples", "events", file))
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(src, &ev); err != nil {
		t.Fatal(err)
	}
	change(ev)
	b, _ := json.Marshal(ev)
	return string(b)
}
