package event

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/ec2guard/ec2guard/resource"
)

// The finding events: Security Hub's, whose detail holds findings in the AWS Security Finding
// Format (ASFF), and GuardDuty's, whose detail is one GuardDuty finding.
const (
	SourceSecurityHub             = "aws.securityhub"
	DetailTypeSecurityHubFindings = "Security Hub Findings - Imported"
	SourceGuardDuty               = "aws.guardduty"
	DetailTypeGuardDutyFinding    = "GuardDuty Finding"
)

// ASFFTypes maps the ASFF resource types of EC2 resources to their kinds.
var ASFFTypes = map[string]resource.Kind{
	"AwsEc2Instance":       resource.Instance,
	"AwsEc2SecurityGroup":  resource.SecurityGroup,
	"AwsEc2Volume":         resource.Volume,
	"AwsEc2Subnet":         resource.Subnet,
	"AwsEc2NetworkAcl":     resource.NetworkACL,
	"AwsEc2Eip":            resource.Address,
	"AwsEc2LaunchTemplate": resource.LaunchTemplate,
	"AwsAccount":           resource.Account, // account-level controls (EC2.7: EBS default encryption...)
}

// GuardDutyKinds are the kinds a GuardDuty finding can name: its resource is an instance
// (resourceType Instance) or none ec2guard judges (an access key, a bucket, a cluster...).
var GuardDutyKinds = []resource.Kind{resource.Instance}

// Which findings concern their resources. A finding is a claim about a resource, as an event
// is; the filters judge the resource as it is now. These concern nothing:
//   - a Security Hub finding whose Workflow.Status is RESOLVED or SUPPRESSED, or whose
//     RecordState is ARCHIVED: someone closed it, or its product no longer reports it (a
//     passed control's finding is ACTIVE and concerns its resource: the filters decide);
//   - a Security Hub finding of a product that is not AWS's own (ProductArn
//     .../product/aws/...): any principal allowed securityhub:BatchImportFindings imports
//     findings of its account's custom product (or a partner's) with any content, and
//     Security Hub accepts a product/aws/ ARN only from AWS's integrations;
//   - a sample finding (Security Hub's Sample, GuardDuty's service.additionalInfo.sample,
//     which guardduty:CreateSampleFindings makes, naming made-up resources);
//   - a GuardDuty finding that is archived (service.archived).

// asffFinding is the part of an ASFF finding ec2guard reads.
type asffFinding struct {
	AwsAccountID string `json:"AwsAccountId"`
	Region       string `json:"Region"`
	ProductArn   string `json:"ProductArn"`
	RecordState  string `json:"RecordState"`
	Sample       bool   `json:"Sample"`
	Workflow     struct {
		Status string `json:"Status"`
	} `json:"Workflow"`
	Resources []struct {
		Type   string `json:"Type"`
		ID     string `json:"Id"`
		Region string `json:"Region"`
	} `json:"Resources"`
}

// active reports whether the finding concerns its resources (see above).
func (f *asffFinding) active() bool {
	switch {
	case f.Sample, f.RecordState == "ARCHIVED", f.Workflow.Status == "RESOLVED", f.Workflow.Status == "SUPPRESSED":
		return false
	}
	return strings.Contains(f.ProductArn, ":product/aws/")
}

func securityHubTargets(e *Event) ([]Target, bool, error) {
	var d struct {
		Findings []asffFinding `json:"findings"`
	}
	if err := json.Unmarshal(e.Detail, &d); err != nil {
		return nil, true, fmt.Errorf("Security Hub event %s: %w", e.ID, JSONError(e.Detail, err, "detail"))
	}
	var out []Target
	for _, f := range d.Findings {
		if !f.active() {
			continue
		}
		for _, r := range f.Resources {
			kind, ok := ASFFTypes[r.Type]
			if !ok {
				continue
			}
			arn := parseARN(r.ID)
			id := arn.id
			place := resource.Place{Account: firstOf(arn.account, f.AwsAccountID), Region: firstOf(r.Region, arn.region, f.Region)}
			if kind == resource.Account {
				// "AWS::::Account:123456789012"
				id = firstOf(f.AwsAccountID, r.ID[strings.LastIndexByte(r.ID, ':')+1:])
				place.Account = id
			}
			if !idFits(kind, id) {
				continue
			}
			out = appendTarget(out, Target{Kind: kind, ID: id, Place: e.elsewhere(place)})
		}
	}
	return out, true, nil
}

func guardDutyTargets(e *Event) ([]Target, bool, error) {
	var d struct {
		AccountID string `json:"accountId"`
		Region    string `json:"region"`
		Resource  struct {
			ResourceType    string `json:"resourceType"`
			InstanceDetails struct {
				InstanceID string `json:"instanceId"`
			} `json:"instanceDetails"`
		} `json:"resource"`
		Service struct {
			Archived       bool `json:"archived"`
			AdditionalInfo struct {
				Sample bool `json:"sample"`
			} `json:"additionalInfo"`
		} `json:"service"`
	}
	if err := json.Unmarshal(e.Detail, &d); err != nil {
		return nil, true, fmt.Errorf("GuardDuty event %s: %w", e.ID, JSONError(e.Detail, err, "detail"))
	}
	id := d.Resource.InstanceDetails.InstanceID
	if d.Service.Archived || d.Service.AdditionalInfo.Sample || d.Resource.ResourceType != "Instance" || !idFits(resource.Instance, id) {
		return nil, true, nil
	}
	return []Target{{Kind: resource.Instance, ID: id, Place: e.elsewhere(resource.Place{Account: d.AccountID, Region: d.Region})}}, true, nil
}

// elsewhere keeps of p what differs from the event's own account and region (zero fields
// are the event's).
func (e *Event) elsewhere(p resource.Place) resource.Place {
	if p.Account == e.Account {
		p.Account = ""
	}
	if p.Region == e.Region {
		p.Region = ""
	}
	return p
}

type arnParts struct{ region, account, id string }

// parseARN reads arn:PARTITION:ec2:REGION:ACCOUNT:TYPE/ID; what is not an ARN is an id.
func parseARN(s string) arnParts {
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return arnParts{id: s}
	}
	res := parts[5]
	return arnParts{region: parts[3], account: parts[4], id: res[strings.LastIndexByte(res, '/')+1:]}
}

// idPrefix is how the ids of each kind begin.
var idPrefix = map[resource.Kind]string{
	resource.Instance: "i-", resource.SecurityGroup: "sg-", resource.Volume: "vol-", resource.Snapshot: "snap-",
	resource.Image: "ami-", resource.Subnet: "subnet-", resource.NetworkACL: "acl-", resource.LaunchTemplate: "lt-",
}

// idFits reports whether id has the form of its kind's ids: a finding's Id is free text.
func idFits(k resource.Kind, id string) bool {
	switch k {
	case resource.Address:
		_, err := netip.ParseAddr(id)
		return strings.HasPrefix(id, "eipalloc-") || err == nil
	case resource.Account:
		return len(id) == 12 && !slices.ContainsFunc([]byte(id), func(c byte) bool { return c < '0' || c > '9' })
	}
	p, ok := idPrefix[k]
	return ok && len(id) > len(p) && strings.HasPrefix(id, p)
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
