package event

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ec2guard/ec2guard/resource"
)

// Call is a CloudTrail call ec2guard reads targets from: a successful call of that name
// concerns the resources of these kinds that its record names.
type Call struct {
	Name     string
	Concerns []Concern
}

// Concern is one kind of resource a call changes, and where its record names it.
type Concern struct {
	Kind resource.Kind
	// Creates: the call created the resource (what the tag action may write its caller on).
	Creates bool
	// paths are where the record names the ids, tried in order until one names some:
	// "req." under requestParameters, "resp." under responseElements, field by field,
	// through lists as EventBridge patterns go (each element in turn); "account" is the
	// account whose settings an account-level call changes.
	paths []string
}

// The CloudTrail records EC2 writes: a call's requestParameters in the Query API's
// lowerCamelCase names ({"groupId": "sg-..", "ipPermissions": {"items": [...]}}), or, for the
// newer calls, the request wrapped in its shape's name with the API's own field names
// ({"ModifySecurityGroupRulesRequest": {"GroupId": ..}}); responseElements likewise, lists
// as {"items": [...]}. Where a request may name a resource by name instead of id (a default
// VPC's security group, a launch template by name), the response names the id.
var calls = []Call{
	// instance
	call("RunInstances", creates(resource.Instance, "resp.instancesSet.items.instanceId")),
	call("ModifyInstanceMetadataOptions", concerns(resource.Instance, "resp.ModifyInstanceMetadataOptionsResponse.instanceId", "req.ModifyInstanceMetadataOptionsRequest.InstanceId", "req.instanceId")),
	call("ModifyInstanceAttribute", concerns(resource.Instance, "req.instanceId")),
	call("AssociateIamInstanceProfile", concerns(resource.Instance, "resp.AssociateIamInstanceProfileResponse.iamInstanceProfileAssociation.instanceId", "req.AssociateIamInstanceProfileRequest.InstanceId", "req.instanceId")),
	call("ReplaceIamInstanceProfileAssociation", concerns(resource.Instance, "resp.ReplaceIamInstanceProfileAssociationResponse.iamInstanceProfileAssociation.instanceId", "resp.iamInstanceProfileAssociation.instanceId")),
	// security group
	call("CreateSecurityGroup", creates(resource.SecurityGroup, "resp.groupId")),
	call("AuthorizeSecurityGroupIngress", concerns(resource.SecurityGroup, "req.groupId", "resp.securityGroupRuleSet.items.groupId")),
	call("AuthorizeSecurityGroupEgress", concerns(resource.SecurityGroup, "req.groupId", "resp.securityGroupRuleSet.items.groupId")),
	call("RevokeSecurityGroupIngress", concerns(resource.SecurityGroup, "req.groupId")),
	call("RevokeSecurityGroupEgress", concerns(resource.SecurityGroup, "req.groupId")),
	call("ModifySecurityGroupRules", concerns(resource.SecurityGroup, "req.ModifySecurityGroupRulesRequest.GroupId", "req.groupId")),
	// volume
	call("CreateVolume", creates(resource.Volume, "resp.volumeId")),
	call("ModifyVolume", concerns(resource.Volume, "resp.ModifyVolumeResponse.volumeModification.volumeId", "req.ModifyVolumeRequest.VolumeId", "req.volumeId")),
	call("AttachVolume", concerns(resource.Volume, "req.volumeId", "resp.volumeId")),
	call("DetachVolume", concerns(resource.Volume, "req.volumeId", "resp.volumeId")),
	// snapshot
	call("CreateSnapshot", creates(resource.Snapshot, "resp.snapshotId")),
	call("CreateSnapshots", creates(resource.Snapshot, "resp.snapshotSet.items.snapshotId")),
	call("CopySnapshot", creates(resource.Snapshot, "resp.snapshotId")),
	call("ModifySnapshotAttribute", concerns(resource.Snapshot, "req.snapshotId")),
	call("ResetSnapshotAttribute", concerns(resource.Snapshot, "req.snapshotId")),
	// image
	call("CreateImage", creates(resource.Image, "resp.imageId")),
	call("CopyImage", creates(resource.Image, "resp.imageId")),
	call("RegisterImage", creates(resource.Image, "resp.imageId")),
	call("ModifyImageAttribute", concerns(resource.Image, "req.imageId")),
	call("ResetImageAttribute", concerns(resource.Image, "req.imageId")),
	// address: by its allocation id; a request that names only the public IP, by that
	call("AllocateAddress", creates(resource.Address, "resp.allocationId", "resp.publicIp")),
	call("AssociateAddress", concerns(resource.Address, "req.allocationId", "req.publicIp"), concerns(resource.Instance, "req.instanceId")),
	// DisassociateAddress names the association (gone once the call succeeded, so no read
	// can find its address), or, as EC2-Classic callers did, the public IP: only the latter
	// names an address.
	call("DisassociateAddress", concerns(resource.Address, "req.publicIp")),
	// launch template: the response names the id when the request named the template by name
	call("CreateLaunchTemplate", creates(resource.LaunchTemplate, "resp.CreateLaunchTemplateResponse.launchTemplate.launchTemplateId")),
	call("CreateLaunchTemplateVersion", concerns(resource.LaunchTemplate, "resp.CreateLaunchTemplateVersionResponse.launchTemplateVersion.launchTemplateId", "req.CreateLaunchTemplateVersionRequest.LaunchTemplateId")),
	call("ModifyLaunchTemplate", concerns(resource.LaunchTemplate, "resp.ModifyLaunchTemplateResponse.launchTemplate.launchTemplateId", "req.ModifyLaunchTemplateRequest.LaunchTemplateId")),
	// subnet. CreateRoute and ReplaceRoute name their route table, never the subnets it
	// serves: they concern no resource a rule judges (a scan judges those subnets).
	call("CreateSubnet", creates(resource.Subnet, "resp.subnet.subnetId")),
	call("ModifySubnetAttribute", concerns(resource.Subnet, "req.subnetId")),
	call("AssociateRouteTable", concerns(resource.Subnet, "req.subnetId")),
	// network ACL (ReplaceNetworkAclAssociation: the ACL the subnet now uses)
	call("CreateNetworkAcl", creates(resource.NetworkACL, "resp.networkAcl.networkAclId")),
	call("CreateNetworkAclEntry", concerns(resource.NetworkACL, "req.networkAclId")),
	call("ReplaceNetworkAclEntry", concerns(resource.NetworkACL, "req.networkAclId")),
	call("DeleteNetworkAclEntry", concerns(resource.NetworkACL, "req.networkAclId")),
	call("ReplaceNetworkAclAssociation", concerns(resource.NetworkACL, "req.networkAclId")),
	// the account's settings in the region
	call("DisableEbsEncryptionByDefault", concerns(resource.Account, "account")),
	call("EnableEbsEncryptionByDefault", concerns(resource.Account, "account")),
	call("ModifyEbsDefaultKmsKeyId", concerns(resource.Account, "account")),
	call("ResetEbsDefaultKmsKeyId", concerns(resource.Account, "account")),
	call("ModifyInstanceMetadataDefaults", concerns(resource.Account, "account")),
	call("DisableSnapshotBlockPublicAccess", concerns(resource.Account, "account")),
	call("EnableSnapshotBlockPublicAccess", concerns(resource.Account, "account")),
	call("DisableImageBlockPublicAccess", concerns(resource.Account, "account")),
	call("EnableImageBlockPublicAccess", concerns(resource.Account, "account")),
}

func call(name string, cs ...Concern) Call { return Call{Name: name, Concerns: cs} }

func concerns(k resource.Kind, paths ...string) Concern { return Concern{Kind: k, paths: paths} }

func creates(k resource.Kind, paths ...string) Concern {
	return Concern{Kind: k, Creates: true, paths: paths}
}

var callByName = func() map[string]*Call {
	m := make(map[string]*Call, len(calls))
	for i := range calls {
		m[calls[i].Name] = &calls[i]
	}
	return m
}()

// Calls returns the CloudTrail calls ec2guard reads targets from, in a fixed order.
func Calls() []Call { return slices.Clone(calls) }

// CallKinds returns the kinds a call of that name concerns (nil: a call ec2guard reads
// nothing from).
func CallKinds(name string) []resource.Kind {
	c := callByName[name]
	if c == nil {
		return nil
	}
	var out []resource.Kind
	for _, cc := range c.Concerns {
		if !slices.Contains(out, cc.Kind) {
			out = append(out, cc.Kind)
		}
	}
	return out
}

// callTargets reads what a successful call of the table concerns from its record; known is
// false for a call the table does not have.
func callTargets(e *Event, ct *CloudTrail) (targets []Target, known bool, err error) {
	c := callByName[ct.EventName]
	if c == nil {
		return nil, false, nil
	}
	var req, resp any
	if err := decodeElements(ct.RequestParameters, &req); err != nil {
		return nil, true, fmt.Errorf("%s event %s: %w", ct.EventName, e.ID, JSONError(ct.RequestParameters, err, "detail.requestParameters"))
	}
	if err := decodeElements(ct.ResponseElements, &resp); err != nil {
		return nil, true, fmt.Errorf("%s event %s: %w", ct.EventName, e.ID, JSONError(ct.ResponseElements, err, "detail.responseElements"))
	}
	for _, cc := range c.Concerns {
		for _, p := range cc.paths {
			var ids []string
			switch {
			case p == "account":
				// recipientAccountId is the account whose API was called; the envelope's
				// account is the same for a call in the account's own trail.
				id := ct.RecipientAccountID
				if id == "" {
					id = e.Account
				}
				if id == "" {
					return nil, true, fmt.Errorf("%s event %s names no account (account, detail.recipientAccountId)", ct.EventName, e.ID)
				}
				ids = []string{id}
			case strings.HasPrefix(p, "req."):
				ids = stringsAt(req, strings.Split(p[len("req."):], "."))
			case strings.HasPrefix(p, "resp."):
				ids = stringsAt(resp, strings.Split(p[len("resp."):], "."))
			}
			for _, id := range ids {
				targets = appendTarget(targets, Target{Kind: cc.Kind, ID: id})
			}
			if len(ids) > 0 {
				break
			}
		}
	}
	return targets, true, nil
}

// stringsAt returns the non-empty strings at path under v, through lists element by element.
func stringsAt(v any, path []string) []string {
	switch t := v.(type) {
	case []any:
		var out []string
		for _, el := range t {
			out = append(out, stringsAt(el, path)...)
		}
		return out
	case map[string]any:
		if len(path) == 0 {
			return nil
		}
		return stringsAt(t[path[0]], path[1:])
	case string:
		if len(path) == 0 && t != "" {
			return []string{t}
		}
	}
	return nil
}

// appendTarget appends t unless ts has it already.
func appendTarget(ts []Target, t Target) []Target {
	if t.ID == "" || slices.Contains(ts, t) {
		return ts
	}
	return append(ts, t)
}

// Created returns the targets of a CloudTrail event that its call created (RunInstances'
// instances, CreateVolume's volume...): of Targets, those the call did not merely change.
func Created(e *Event) ([]Target, error) {
	ts, _, err := Targets(e)
	if err != nil || e.DetailType != DetailTypeAPICall {
		return nil, err
	}
	c := callByName[e.CallName()]
	if c == nil {
		return nil, nil
	}
	var out []Target
	for _, t := range ts {
		for _, cc := range c.Concerns {
			if cc.Kind == t.Kind && cc.Creates {
				out = append(out, t)
				break
			}
		}
	}
	return out, nil
}
