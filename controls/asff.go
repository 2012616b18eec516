package controls

import (
	"fmt"
	"strings"
	"time"

	"github.com/ec2guard/ec2guard/resource"
)

// Finding is a record in the AWS Security Finding Format, as Security Hub's
// BatchImportFindings takes it (the fields ec2guard fills).
type Finding struct {
	SchemaVersion string            `json:"SchemaVersion"`
	ID            string            `json:"Id"`
	ProductArn    string            `json:"ProductArn"`
	GeneratorID   string            `json:"GeneratorId"`
	AwsAccountID  string            `json:"AwsAccountId"`
	Types         []string          `json:"Types"`
	CreatedAt     string            `json:"CreatedAt"`
	UpdatedAt     string            `json:"UpdatedAt"`
	Severity      FindingSeverity   `json:"Severity"`
	Title         string            `json:"Title"`
	Description   string            `json:"Description"`
	Remediation   FindingRemedy     `json:"Remediation"`
	ProductFields map[string]string `json:"ProductFields"`
	Resources     []FindingResource `json:"Resources"`
	Compliance    FindingCompliance `json:"Compliance"`
	RecordState   string            `json:"RecordState"`
	Workflow      FindingWorkflow   `json:"Workflow"`
}

// FindingSeverity is ASFF's Severity.
type FindingSeverity struct {
	Label string `json:"Label"`
}

// FindingRemedy is ASFF's Remediation.
type FindingRemedy struct {
	Recommendation struct {
		Text string `json:"Text"`
		URL  string `json:"Url,omitempty"`
	} `json:"Recommendation"`
}

// FindingResource is one of ASFF's Resources.
type FindingResource struct {
	Type      string `json:"Type"`
	ID        string `json:"Id"`
	Partition string `json:"Partition"`
	Region    string `json:"Region"`
}

// FindingCompliance is ASFF's Compliance.
type FindingCompliance struct {
	Status string `json:"Status"`
}

// FindingWorkflow is ASFF's Workflow: a passing resource's finding is resolved.
type FindingWorkflow struct {
	Status string `json:"Status"`
}

// asffTypes are the ASFF resource types of the kinds ("Other" where ASFF has none).
var asffTypes = map[resource.Kind]string{
	resource.Instance: "AwsEc2Instance", resource.SecurityGroup: "AwsEc2SecurityGroup", resource.Volume: "AwsEc2Volume",
	resource.Address: "AwsEc2Eip", resource.NetworkACL: "AwsEc2NetworkAcl", resource.Subnet: "AwsEc2Subnet",
	resource.LaunchTemplate: "AwsEc2LaunchTemplate", resource.Account: "AwsAccount",
	resource.Snapshot: "Other", resource.Image: "Other",
}

// arnTypes are the resource types of the kinds' ARNs.
var arnTypes = map[resource.Kind]string{
	resource.Instance: "instance", resource.SecurityGroup: "security-group", resource.Volume: "volume",
	resource.Address: "elastic-ip", resource.NetworkACL: "network-acl", resource.Subnet: "subnet",
	resource.LaunchTemplate: "launch-template", resource.Snapshot: "snapshot", resource.Image: "image",
}

// ResourceARN is the ARN (the account's id form for account settings) of a record's resource.
func ResourceARN(rec *Record) string {
	k := resource.Kind(rec.Kind)
	if k == resource.Account {
		return "AWS::::Account:" + rec.Account
	}
	account := rec.Account
	if k == resource.Snapshot || k == resource.Image {
		account = "" // their ARNs name no account
	}
	return fmt.Sprintf("arn:%s:ec2:%s:%s:%s/%s", partition(rec.Region), rec.Region, account, arnTypes[k], rec.Resource)
}

func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

var complianceStatus = map[Status]string{Pass: "PASSED", Fail: "FAILED", Error: "WARNING", NotApplicable: "NOT_AVAILABLE"}

// ASFF is the record as a finding of the product ec2guard imports as (the account's default
// product, arn:PARTITION:securityhub:REGION:ACCOUNT:product/ACCOUNT/default). Its Id is the
// same for the same control, resource and place, so a later scan updates the finding; a
// pass resolves it.
func (c *Control) ASFF(rec *Record) Finding {
	p := partition(rec.Region)
	at := rec.Time.UTC().Format(time.RFC3339Nano)
	f := Finding{
		SchemaVersion: "2018-10-08",
		ID:            fmt.Sprintf("ec2guard/%s/%s/%s/%s", rec.Account, rec.Region, c.ID, rec.Resource),
		ProductArn:    fmt.Sprintf("arn:%s:securityhub:%s:%s:product/%s/default", p, rec.Region, rec.Account, rec.Account),
		GeneratorID:   "ec2guard/" + c.ID,
		AwsAccountID:  rec.Account,
		Types:         []string{"Software and Configuration Checks/Industry and Regulatory Standards"},
		CreatedAt:     at,
		UpdatedAt:     at,
		Severity:      FindingSeverity{Label: strings.ToUpper(rec.Severity.String())},
		Title:         c.Title,
		Description:   truncate(rec.Reason, 1024),
		ProductFields: map[string]string{"ec2guard/control": c.ID},
		Resources:     []FindingResource{{Type: asffTypes[resource.Kind(rec.Kind)], ID: ResourceARN(rec), Partition: p, Region: rec.Region}},
		Compliance:    FindingCompliance{Status: complianceStatus[rec.Status]},
		RecordState:   "ACTIVE",
		Workflow:      FindingWorkflow{Status: "NEW"},
	}
	if c.SecurityHub != "" {
		f.ProductFields["ec2guard/securityhub"] = c.SecurityHub
	}
	if rec.Status == Pass || rec.Status == NotApplicable {
		f.Severity.Label = "INFORMATIONAL"
		f.Workflow.Status = "RESOLVED"
	}
	f.Remediation.Recommendation.Text = truncate(c.Remediation, 512)
	if len(c.References) > 0 {
		f.Remediation.Recommendation.URL = c.References[0]
	}
	return f
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
