package event

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

// ctEvent wraps a CloudTrail record's requestParameters and responseElements in the
// EventBridge event AWS sends for it.
func ctEvent(name, req, resp string) string {
	return `{"version":"0","id":"e-1","detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","account":"111122223333","time":"2026-11-22T10:05:00Z","region":"eu-west-1","resources":[],` +
		`"detail":{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/bob","accountId":"111122223333","userName":"bob"},` +
		`"eventTime":"2026-11-22T10:05:00Z","eventSource":"ec2.amazonaws.com","eventName":"` + name + `","awsRegion":"eu-west-1","sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2.15.0",` +
		`"requestParameters":` + req + `,"responseElements":` + resp + `,"requestID":"r-1","eventID":"e-1","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333","eventCategory":"Management"}}`
}

// TestCallTargets: each call of the table, on a record shaped as CloudTrail writes it, names
// the resource it changes; a test holds the table to this one.
func TestCallTargets(t *testing.T) {
	tgt := func(k resource.Kind, ids ...string) []Target {
		var out []Target
		for _, id := range ids {
			out = append(out, Target{Kind: k, ID: id})
		}
		return out
	}
	const ok = `{"requestId":"5e0bd9e1-a5a7-4f7f-8d2a-1a2b3c4d5e6f","_return":true}`
	tests := []struct {
		call, req, resp string
		want            []Target
	}{
		{"RunInstances", `{"instancesSet":{"items":[{"imageId":"ami-0abcdef1234567890","minCount":2,"maxCount":2}]},"instanceType":"t3.micro"}`,
			`{"requestId":"r","reservationId":"r-0a1b2c3d4e5f60718","ownerId":"111122223333","groupSet":{},"instancesSet":{"items":[{"instanceId":"i-0aaaaaaaaaaaaaaa1","imageId":"ami-0abcdef1234567890","instanceState":{"code":0,"name":"pending"}},{"instanceId":"i-0aaaaaaaaaaaaaaa2"}]}}`,
			tgt(resource.Instance, "i-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa2")},
		{"ModifyInstanceMetadataOptions", `{"ModifyInstanceMetadataOptionsRequest":{"HttpTokens":"optional","InstanceId":"i-0aaaaaaaaaaaaaaa1"}}`,
			`{"ModifyInstanceMetadataOptionsResponse":{"instanceId":"i-0aaaaaaaaaaaaaaa1","instanceMetadataOptions":{"httpTokens":"optional","state":"pending","httpEndpoint":"enabled","httpPutResponseHopLimit":1},"requestId":"r"}}`,
			tgt(resource.Instance, "i-0aaaaaaaaaaaaaaa1")},
		{"ModifyInstanceAttribute", `{"instanceId":"i-0aaaaaaaaaaaaaaa1","disableApiStop":{"value":false}}`, ok, tgt(resource.Instance, "i-0aaaaaaaaaaaaaaa1")},
		{"AssociateIamInstanceProfile", `{"AssociateIamInstanceProfileRequest":{"InstanceId":"i-0aaaaaaaaaaaaaaa1","IamInstanceProfile":{"Name":"admin"}}}`,
			`{"AssociateIamInstanceProfileResponse":{"requestId":"r","iamInstanceProfileAssociation":{"associationId":"iip-assoc-1","instanceId":"i-0aaaaaaaaaaaaaaa1","state":"associating"}}}`,
			tgt(resource.Instance, "i-0aaaaaaaaaaaaaaa1")},
		{"ReplaceIamInstanceProfileAssociation", `{"ReplaceIamInstanceProfileAssociationRequest":{"AssociationId":"iip-assoc-1","IamInstanceProfile":{"Name":"admin"}}}`,
			`{"ReplaceIamInstanceProfileAssociationResponse":{"iamInstanceProfileAssociation":{"associationId":"iip-assoc-2","instanceId":"i-0aaaaaaaaaaaaaaa1"}}}`,
			tgt(resource.Instance, "i-0aaaaaaaaaaaaaaa1")},
		{"CreateSecurityGroup", `{"groupName":"web","groupDescription":"web","vpcId":"vpc-0123"}`, `{"requestId":"r","_return":true,"groupId":"sg-0aaaaaaaaaaaaaaa1"}`,
			tgt(resource.SecurityGroup, "sg-0aaaaaaaaaaaaaaa1")},
		{"AuthorizeSecurityGroupIngress", `{"groupId":"sg-0aaaaaaaaaaaaaaa1","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"groups":{},"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]},"ipv6Ranges":{},"prefixListIds":{}}]}}`,
			`{"requestId":"r","_return":true,"securityGroupRuleSet":{"items":[{"groupOwnerId":"111122223333","groupId":"sg-0aaaaaaaaaaaaaaa1","securityGroupRuleId":"sgr-01","isEgress":false,"ipProtocol":"tcp","fromPort":22,"toPort":22,"cidrIpv4":"0.0.0.0/0"}]}}`,
			tgt(resource.SecurityGroup, "sg-0aaaaaaaaaaaaaaa1")},
		{"AuthorizeSecurityGroupIngress", `{"groupName":"default","ipPermissions":{"items":[{"ipProtocol":"-1","ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}`,
			`{"requestId":"r","_return":true,"securityGroupRuleSet":{"items":[{"groupId":"sg-0default00000000","securityGroupRuleId":"sgr-02"}]}}`,
			tgt(resource.SecurityGroup, "sg-0default00000000")},
		{"AuthorizeSecurityGroupEgress", `{"groupId":"sg-0aaaaaaaaaaaaaaa1","ipPermissions":{"items":[{"ipProtocol":"-1","ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}`,
			`{"requestId":"r","_return":true,"securityGroupRuleSet":{"items":[{"groupId":"sg-0aaaaaaaaaaaaaaa1","isEgress":true}]}}`,
			tgt(resource.SecurityGroup, "sg-0aaaaaaaaaaaaaaa1")},
		{"RevokeSecurityGroupIngress", `{"groupId":"sg-0aaaaaaaaaaaaaaa1","securityGroupRuleIds":{"items":[{"securityGroupRuleId":"sgr-01"}]}}`, ok, tgt(resource.SecurityGroup, "sg-0aaaaaaaaaaaaaaa1")},
		{"RevokeSecurityGroupEgress", `{"groupId":"sg-0aaaaaaaaaaaaaaa1","ipPermissions":{"items":[{"ipProtocol":"-1"}]}}`, ok, tgt(resource.SecurityGroup, "sg-0aaaaaaaaaaaaaaa1")},
		{"ModifySecurityGroupRules", `{"ModifySecurityGroupRulesRequest":{"GroupId":"sg-0aaaaaaaaaaaaaaa1","SecurityGroupRule":{"SecurityGroupRuleId":"sgr-01","SecurityGroupRule":{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIpv4":"0.0.0.0/0"},"tag":1}}}`,
			`{"ModifySecurityGroupRulesResponse":{"return":true,"requestId":"r"}}`, tgt(resource.SecurityGroup, "sg-0aaaaaaaaaaaaaaa1")},
		{"CreateVolume", `{"size":8,"zone":"eu-west-1a","volumeType":"gp3","encrypted":false}`,
			`{"requestId":"r","volumeId":"vol-0aaaaaaaaaaaaaaa1","size":"8","zone":"eu-west-1a","status":"creating","createTime":1763805900000,"volumeType":"gp3","encrypted":false}`,
			tgt(resource.Volume, "vol-0aaaaaaaaaaaaaaa1")},
		{"ModifyVolume", `{"ModifyVolumeRequest":{"VolumeId":"vol-0aaaaaaaaaaaaaaa1","Size":16}}`,
			`{"ModifyVolumeResponse":{"volumeModification":{"volumeId":"vol-0aaaaaaaaaaaaaaa1","modificationState":"modifying","targetSize":16}}}`,
			tgt(resource.Volume, "vol-0aaaaaaaaaaaaaaa1")},
		{"AttachVolume", `{"volumeId":"vol-0aaaaaaaaaaaaaaa1","instanceId":"i-0aaaaaaaaaaaaaaa1","device":"/dev/sdf"}`,
			`{"requestId":"r","volumeId":"vol-0aaaaaaaaaaaaaaa1","instanceId":"i-0aaaaaaaaaaaaaaa1","device":"/dev/sdf","status":"attaching"}`,
			tgt(resource.Volume, "vol-0aaaaaaaaaaaaaaa1")},
		{"DetachVolume", `{"volumeId":"vol-0aaaaaaaaaaaaaaa1","force":false}`, `{"requestId":"r","volumeId":"vol-0aaaaaaaaaaaaaaa1","status":"detaching"}`, tgt(resource.Volume, "vol-0aaaaaaaaaaaaaaa1")},
		{"CreateSnapshot", `{"volumeId":"vol-0aaaaaaaaaaaaaaa1"}`, `{"requestId":"r","snapshotId":"snap-0aaaaaaaaaaaaaaa1","volumeId":"vol-0aaaaaaaaaaaaaaa1","status":"pending"}`,
			tgt(resource.Snapshot, "snap-0aaaaaaaaaaaaaaa1")},
		{"CreateSnapshots", `{"CreateSnapshotsRequest":{"InstanceSpecification":{"InstanceId":"i-0aaaaaaaaaaaaaaa1"}}}`,
			`{"requestId":"r","snapshotSet":{"items":[{"snapshotId":"snap-0aaaaaaaaaaaaaaa1","volumeId":"vol-1"},{"snapshotId":"snap-0aaaaaaaaaaaaaaa2","volumeId":"vol-2"}]}}`,
			tgt(resource.Snapshot, "snap-0aaaaaaaaaaaaaaa1", "snap-0aaaaaaaaaaaaaaa2")},
		{"CopySnapshot", `{"sourceSnapshotId":"snap-0source000000000","sourceRegion":"us-east-1","encrypted":false}`, `{"requestId":"r","snapshotId":"snap-0aaaaaaaaaaaaaaa1"}`,
			tgt(resource.Snapshot, "snap-0aaaaaaaaaaaaaaa1")},
		{"ModifySnapshotAttribute", `{"snapshotId":"snap-0aaaaaaaaaaaaaaa1","createVolumePermission":{"add":{"items":[{"group":"all"}]}},"attributeType":"CREATE_VOLUME_PERMISSION"}`, ok,
			tgt(resource.Snapshot, "snap-0aaaaaaaaaaaaaaa1")},
		{"ResetSnapshotAttribute", `{"snapshotId":"snap-0aaaaaaaaaaaaaaa1","attribute":"CREATE_VOLUME_PERMISSION"}`, ok, tgt(resource.Snapshot, "snap-0aaaaaaaaaaaaaaa1")},
		{"CreateImage", `{"instanceId":"i-0aaaaaaaaaaaaaaa1","name":"web","noReboot":true}`, `{"requestId":"r","imageId":"ami-0aaaaaaaaaaaaaaa1"}`, tgt(resource.Image, "ami-0aaaaaaaaaaaaaaa1")},
		{"CopyImage", `{"sourceRegion":"us-east-1","sourceImageId":"ami-0source000000000","name":"web"}`, `{"requestId":"r","imageId":"ami-0aaaaaaaaaaaaaaa1"}`, tgt(resource.Image, "ami-0aaaaaaaaaaaaaaa1")},
		{"RegisterImage", `{"name":"web","rootDeviceName":"/dev/xvda","blockDeviceMapping":{"items":[{"deviceName":"/dev/xvda","ebs":{"snapshotId":"snap-1"}}]}}`,
			`{"requestId":"r","imageId":"ami-0aaaaaaaaaaaaaaa1"}`, tgt(resource.Image, "ami-0aaaaaaaaaaaaaaa1")},
		{"ModifyImageAttribute", `{"imageId":"ami-0aaaaaaaaaaaaaaa1","launchPermission":{"add":{"items":[{"group":"all"}]}},"attributeType":"launchPermission"}`, ok,
			tgt(resource.Image, "ami-0aaaaaaaaaaaaaaa1")},
		{"ResetImageAttribute", `{"imageId":"ami-0aaaaaaaaaaaaaaa1","attribute":"launchPermission"}`, ok, tgt(resource.Image, "ami-0aaaaaaaaaaaaaaa1")},
		{"AllocateAddress", `{"domain":"vpc"}`, `{"requestId":"r","publicIp":"203.0.113.10","domain":"vpc","allocationId":"eipalloc-0aaaaaaaaaaaaaaa1","networkBorderGroup":"eu-west-1","publicIpv4Pool":"amazon"}`,
			tgt(resource.Address, "eipalloc-0aaaaaaaaaaaaaaa1")},
		{"AssociateAddress", `{"allocationId":"eipalloc-0aaaaaaaaaaaaaaa1","instanceId":"i-0aaaaaaaaaaaaaaa1","allowReassociation":false}`, `{"requestId":"r","_return":true,"associationId":"eipassoc-01"}`,
			append(tgt(resource.Address, "eipalloc-0aaaaaaaaaaaaaaa1"), tgt(resource.Instance, "i-0aaaaaaaaaaaaaaa1")...)},
		{"AssociateAddress", `{"allocationId":"eipalloc-0aaaaaaaaaaaaaaa1","networkInterfaceId":"eni-01"}`, `{"requestId":"r","_return":true,"associationId":"eipassoc-01"}`,
			tgt(resource.Address, "eipalloc-0aaaaaaaaaaaaaaa1")},
		{"DisassociateAddress", `{"publicIp":"203.0.113.10"}`, ok, tgt(resource.Address, "203.0.113.10")},
		{"DisassociateAddress", `{"associationId":"eipassoc-01"}`, ok, nil},
		{"CreateLaunchTemplate", `{"CreateLaunchTemplateRequest":{"LaunchTemplateName":"web","LaunchTemplateData":{"ImageId":"ami-1","MetadataOptions":{"HttpTokens":"optional"}}}}`,
			`{"CreateLaunchTemplateResponse":{"requestId":"r","launchTemplate":{"launchTemplateId":"lt-0aaaaaaaaaaaaaaa1","launchTemplateName":"web","defaultVersionNumber":1,"latestVersionNumber":1,"createdBy":"arn:aws:iam::111122223333:user/bob"}}}`,
			tgt(resource.LaunchTemplate, "lt-0aaaaaaaaaaaaaaa1")},
		{"CreateLaunchTemplateVersion", `{"CreateLaunchTemplateVersionRequest":{"LaunchTemplateName":"web","SourceVersion":"1","LaunchTemplateData":{"MetadataOptions":{"HttpTokens":"optional"}}}}`,
			`{"CreateLaunchTemplateVersionResponse":{"requestId":"r","launchTemplateVersion":{"launchTemplateId":"lt-0aaaaaaaaaaaaaaa1","launchTemplateName":"web","versionNumber":2,"defaultVersion":false}}}`,
			tgt(resource.LaunchTemplate, "lt-0aaaaaaaaaaaaaaa1")},
		{"ModifyLaunchTemplate", `{"ModifyLaunchTemplateRequest":{"LaunchTemplateId":"lt-0aaaaaaaaaaaaaaa1","SetDefaultVersion":"2"}}`,
			`{"ModifyLaunchTemplateResponse":{"requestId":"r","launchTemplate":{"launchTemplateId":"lt-0aaaaaaaaaaaaaaa1","defaultVersionNumber":2}}}`,
			tgt(resource.LaunchTemplate, "lt-0aaaaaaaaaaaaaaa1")},
		{"CreateSubnet", `{"vpcId":"vpc-1","cidrBlock":"10.0.1.0/24"}`, `{"requestId":"r","subnet":{"subnetId":"subnet-0aaaaaaaaaaaaaaa1","state":"pending","vpcId":"vpc-1","cidrBlock":"10.0.1.0/24"}}`,
			tgt(resource.Subnet, "subnet-0aaaaaaaaaaaaaaa1")},
		{"ModifySubnetAttribute", `{"subnetId":"subnet-0aaaaaaaaaaaaaaa1","mapPublicIpOnLaunch":{"value":true}}`, ok, tgt(resource.Subnet, "subnet-0aaaaaaaaaaaaaaa1")},
		{"AssociateRouteTable", `{"routeTableId":"rtb-1","subnetId":"subnet-0aaaaaaaaaaaaaaa1"}`, `{"requestId":"r","associationId":"rtbassoc-1","associationState":{"state":"associated"}}`,
			tgt(resource.Subnet, "subnet-0aaaaaaaaaaaaaaa1")},
		{"CreateNetworkAcl", `{"vpcId":"vpc-1"}`, `{"requestId":"r","networkAcl":{"networkAclId":"acl-0aaaaaaaaaaaaaaa1","vpcId":"vpc-1","default":false,"entrySet":{}}}`,
			tgt(resource.NetworkACL, "acl-0aaaaaaaaaaaaaaa1")},
		{"CreateNetworkAclEntry", `{"networkAclId":"acl-0aaaaaaaaaaaaaaa1","ruleNumber":100,"egress":false,"ruleAction":"allow","icmpTypeCode":{},"protocol":"6","portRange":{"from":22,"to":22},"cidrBlock":"0.0.0.0/0"}`, ok,
			tgt(resource.NetworkACL, "acl-0aaaaaaaaaaaaaaa1")},
		{"ReplaceNetworkAclEntry", `{"networkAclId":"acl-0aaaaaaaaaaaaaaa1","ruleNumber":100,"egress":false,"ruleAction":"allow","protocol":"-1","cidrBlock":"0.0.0.0/0"}`, ok,
			tgt(resource.NetworkACL, "acl-0aaaaaaaaaaaaaaa1")},
		{"DeleteNetworkAclEntry", `{"networkAclId":"acl-0aaaaaaaaaaaaaaa1","ruleNumber":90,"egress":false}`, ok, tgt(resource.NetworkACL, "acl-0aaaaaaaaaaaaaaa1")},
		{"ReplaceNetworkAclAssociation", `{"associationId":"aclassoc-1","networkAclId":"acl-0aaaaaaaaaaaaaaa1"}`, `{"requestId":"r","newAssociationId":"aclassoc-2"}`,
			tgt(resource.NetworkACL, "acl-0aaaaaaaaaaaaaaa1")},
		{"DisableEbsEncryptionByDefault", `{"DisableEbsEncryptionByDefaultRequest":""}`, `{"DisableEbsEncryptionByDefaultResponse":{"requestId":"r","ebsEncryptionByDefault":false}}`,
			tgt(resource.Account, "111122223333")},
		{"EnableEbsEncryptionByDefault", `{"EnableEbsEncryptionByDefaultRequest":""}`, `{"EnableEbsEncryptionByDefaultResponse":{"ebsEncryptionByDefault":true}}`, tgt(resource.Account, "111122223333")},
		{"ModifyEbsDefaultKmsKeyId", `{"ModifyEbsDefaultKmsKeyIdRequest":{"KmsKeyId":"alias/x"}}`, `{"ModifyEbsDefaultKmsKeyIdResponse":{"kmsKeyId":"arn:aws:kms:eu-west-1:111122223333:key/1"}}`,
			tgt(resource.Account, "111122223333")},
		{"ResetEbsDefaultKmsKeyId", `{"ResetEbsDefaultKmsKeyIdRequest":""}`, `{"ResetEbsDefaultKmsKeyIdResponse":{"kmsKeyId":"alias/aws/ebs"}}`, tgt(resource.Account, "111122223333")},
		{"ModifyInstanceMetadataDefaults", `{"ModifyInstanceMetadataDefaultsRequest":{"HttpTokens":"optional"}}`, `{"ModifyInstanceMetadataDefaultsResponse":{"return":true}}`, tgt(resource.Account, "111122223333")},
		{"DisableSnapshotBlockPublicAccess", `{"DisableSnapshotBlockPublicAccessRequest":""}`, `{"DisableSnapshotBlockPublicAccessResponse":{"state":"unblocked"}}`, tgt(resource.Account, "111122223333")},
		{"EnableSnapshotBlockPublicAccess", `{"EnableSnapshotBlockPublicAccessRequest":{"State":"block-all-sharing"}}`, `{"EnableSnapshotBlockPublicAccessResponse":{"state":"block-all-sharing"}}`, tgt(resource.Account, "111122223333")},
		{"DisableImageBlockPublicAccess", `{"DisableImageBlockPublicAccessRequest":""}`, `{"DisableImageBlockPublicAccessResponse":{"imageBlockPublicAccessState":"unblocked"}}`, tgt(resource.Account, "111122223333")},
		{"EnableImageBlockPublicAccess", `{"EnableImageBlockPublicAccessRequest":{"ImageBlockPublicAccessState":"block-new-sharing"}}`, `{"EnableImageBlockPublicAccessResponse":{"imageBlockPublicAccessState":"block-new-sharing"}}`,
			tgt(resource.Account, "111122223333")},
		// Calls outside the table, and one that names no resource a rule judges.
		{"CreateRoute", `{"routeTableId":"rtb-1","destinationCidrBlock":"0.0.0.0/0","gatewayId":"igw-1"}`, ok, nil},
		{"DescribeInstances", `{"instancesSet":{}}`, `null`, nil},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.call, func(t *testing.T) {
			e, err := Parse([]byte(ctEvent(tt.call, tt.req, tt.resp)))
			if err != nil {
				t.Fatal(err)
			}
			got, known, err := Targets(e)
			if err != nil || known != (CallKinds(tt.call) != nil) || !slices.Equal(got, tt.want) {
				t.Fatalf("Targets = %v, %v, %v; want %v", got, known, err, tt.want)
			}
			for _, g := range got {
				if !slices.Contains(CallKinds(tt.call), g.Kind) {
					t.Errorf("%s names a %s, which CallKinds does not have", tt.call, g.Kind)
				}
			}
			// The same call, failed, concerns nothing.
			failed := strings.Replace(ctEvent(tt.call, tt.req, `null`), `"eventName"`, `"errorCode":"Client.UnauthorizedOperation","errorMessage":"no","eventName"`, 1)
			fe, _ := Parse([]byte(failed))
			if ts, _, err := Targets(fe); err != nil || len(ts) > 0 {
				t.Fatalf("the failed call: %v, %v", ts, err)
			}
		})
		if len(tt.want) > 0 {
			covered[tt.call] = true
		}
	}
	for _, c := range Calls() {
		if !covered[c.Name] {
			t.Errorf("no test of %s naming its resource", c.Name)
		}
	}
}

func TestCreated(t *testing.T) {
	for _, tc := range []struct {
		call, req, resp string
		want            int
	}{
		{"CreateSecurityGroup", `{"groupName":"web"}`, `{"groupId":"sg-01"}`, 1},
		{"AuthorizeSecurityGroupIngress", `{"groupId":"sg-01"}`, `{"_return":true}`, 0},
		{"RunInstances", `{}`, `{"instancesSet":{"items":[{"instanceId":"i-1"}]}}`, 1},
		{"AssociateAddress", `{"allocationId":"eipalloc-1","instanceId":"i-1"}`, `{}`, 0},
	} {
		e, _ := Parse([]byte(ctEvent(tc.call, tc.req, tc.resp)))
		got, err := Created(e)
		if err != nil || len(got) != tc.want {
			t.Errorf("%s: Created = %v, %v; want %d", tc.call, got, err, tc.want)
		}
	}
	se, _ := Parse([]byte(`{"id":"1","source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"instance-id":"i-1","state":"running"}}`))
	if got, err := Created(se); err != nil || got != nil {
		t.Errorf("a state change created %v, %v", got, err)
	}
}

func TestAccountCallNamesNoAccount(t *testing.T) {
	src := strings.NewReplacer(`"account":"111122223333",`, "", `"recipientAccountId":"111122223333",`, "").Replace(ctEvent("DisableEbsEncryptionByDefault", `{}`, `{}`))
	e, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Targets(e); err == nil || !strings.Contains(err.Error(), "names no account") {
		t.Fatalf("err = %v", err)
	}
}

// A record of another shape (a string, a number where an object was) names nothing.
func TestCallTargetsOtherShapes(t *testing.T) {
	for _, resp := range []string{`"vol-1"`, `{"volumeId":7}`, `{"volumeId":null}`} {
		e, err := Parse([]byte(ctEvent("CreateVolume", `{}`, resp)))
		if err != nil {
			t.Fatal(err)
		}
		if ts, known, err := Targets(e); err != nil || !known || len(ts) > 0 {
			t.Errorf("%s: %v, %v, %v", resp, ts, known, err)
		}
	}
}

// The README's table of calls is the table event.Targets reads.
func TestReadmeListsCalls(t *testing.T) {
	src, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, line := range strings.Split(string(src), "\n") {
		kind, calls, ok := strings.Cut(strings.TrimPrefix(line, "| `"), "` | ")
		if !ok || !strings.HasPrefix(line, "| `") {
			continue
		}
		if _, ok := resource.ParseKind(kind); ok {
			got[kind] = strings.TrimSuffix(calls, " |")
		}
	}
	want := map[string][]string{}
	for _, c := range Calls() {
		for _, cc := range c.Concerns {
			name := c.Name
			if cc.Creates {
				name += "*"
			}
			want[string(cc.Kind)] = append(want[string(cc.Kind)], name)
		}
	}
	for kind, names := range want {
		if got[kind] != strings.Join(names, ", ") {
			t.Errorf("README lists for %s:\n  %s\nwant\n  %s", kind, got[kind], strings.Join(names, ", "))
		}
	}
	if len(got) != len(want) {
		t.Errorf("README lists kinds %v, want %d", got, len(want))
	}
}
