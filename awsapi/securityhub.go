package awsapi

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/ec2guard/ec2guard/resource"
)

// Security Hub takes at most 100 findings a call (BatchImportFindings, BatchUpdateFindings)
// and returns at most 100 a page (GetFindings).
const hubBatch = 100

// securityHubAt is the Security Hub client of a place: its region, in its account.
func (c *Clients) securityHubAt(ctx context.Context, at resource.Place) (*securityhub.Client, error) {
	cfg, _, err := c.accountConfig(ctx, at.Account)
	if err != nil {
		return nil, err
	}
	return securityhub.NewFromConfig(cfg, func(o *securityhub.Options) {
		if at.Region != "" {
			o.Region = at.Region
		}
	}), nil
}

// FailedFinding is a finding Security Hub refused, with its reason.
type FailedFinding struct{ ID, Code, Message string }

// ImportFindings sends findings in the AWS Security Finding Format (one JSON object each)
// with BatchImportFindings, 100 a call, to the place's account and region. It returns how
// many Security Hub took and the ones it refused; an error is a call that failed or a
// finding that is not ASFF.
func (c *Clients) ImportFindings(ctx context.Context, at resource.Place, findings [][]byte) (imported int, failed []FailedFinding, err error) {
	if len(findings) == 0 {
		return 0, nil, nil
	}
	docs := make([]shtypes.AwsSecurityFinding, len(findings))
	for i, b := range findings {
		// The SDK's type has ASFF's field names, which encoding/json matches.
		if err := json.Unmarshal(b, &docs[i]); err != nil {
			return 0, nil, fmt.Errorf("finding %d is not ASFF: %w", i, err)
		}
	}
	return c.importDocs(ctx, at, docs)
}

func (c *Clients) importDocs(ctx context.Context, at resource.Place, docs []shtypes.AwsSecurityFinding) (imported int, failed []FailedFinding, err error) {
	cl, err := c.securityHubAt(ctx, at)
	if err != nil {
		return 0, nil, err
	}
	for start := 0; start < len(docs); start += hubBatch {
		batch := docs[start:min(start+hubBatch, len(docs))]
		out, err := cl.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: batch})
		if err != nil {
			return imported, failed, fmt.Errorf("importing findings into Security Hub (%s, %s): %w", at.Account, at.Region, err)
		}
		imported += int(aws.ToInt32(out.SuccessCount))
		for _, f := range out.FailedFindings {
			failed = append(failed, FailedFinding{ID: aws.ToString(f.Id), Code: aws.ToString(f.ErrorCode), Message: aws.ToString(f.ErrorMessage)})
		}
	}
	return imported, failed, nil
}

// HubFinding is what ec2guard reads back of a finding in Security Hub.
type HubFinding struct {
	ID, ProductArn, GeneratorID string
	Compliance                  string // PASSED, FAILED, WARNING, NOT_AVAILABLE
	RecordState                 string // ACTIVE, ARCHIVED
	Workflow                    string // NEW, NOTIFIED, RESOLVED, SUPPRESSED
	doc                         shtypes.AwsSecurityFinding
}

// ActiveFindings lists the active findings of the place's account and region whose
// GeneratorId starts with prefix (ec2guard's: "ec2guard/"), page by page. The filter is
// asked of Security Hub and checked again here.
func (c *Clients) ActiveFindings(ctx context.Context, at resource.Place, prefix string) ([]HubFinding, error) {
	cl, err := c.securityHubAt(ctx, at)
	if err != nil {
		return nil, err
	}
	in := &securityhub.GetFindingsInput{
		Filters: &shtypes.AwsSecurityFindingFilters{
			GeneratorId: []shtypes.StringFilter{{Comparison: shtypes.StringFilterComparisonPrefix, Value: aws.String(prefix)}},
			RecordState: []shtypes.StringFilter{{Comparison: shtypes.StringFilterComparisonEquals, Value: aws.String(string(shtypes.RecordStateActive))}},
		},
		MaxResults: aws.Int32(hubBatch),
	}
	if at.Account != "" {
		in.Filters.AwsAccountId = []shtypes.StringFilter{{Comparison: shtypes.StringFilterComparisonEquals, Value: aws.String(at.Account)}}
	}
	var out []HubFinding
	p := securityhub.NewGetFindingsPaginator(cl, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing Security Hub findings (%s, %s): %w", at.Account, at.Region, err)
		}
		for _, f := range page.Findings {
			h := HubFinding{ID: aws.ToString(f.Id), ProductArn: aws.ToString(f.ProductArn), GeneratorID: aws.ToString(f.GeneratorId),
				RecordState: string(f.RecordState), doc: f}
			if f.Compliance != nil {
				h.Compliance = string(f.Compliance.Status)
			}
			if f.Workflow != nil {
				h.Workflow = string(f.Workflow.Status)
			}
			if !strings.HasPrefix(h.GeneratorID, prefix) || h.RecordState == string(shtypes.RecordStateArchived) ||
				at.Account != "" && aws.ToString(f.AwsAccountId) != at.Account {
				continue
			}
			out = append(out, h)
		}
	}
	return out, nil
}

// ArchiveFindings re-imports findings ec2guard made as passed and archived (Compliance
// PASSED, RecordState ARCHIVED, UpdatedAt now): how a finding provider closes its own
// findings with BatchImportFindings. The fields Security Hub keeps for its customers
// (Workflow, Note, UserDefinedFields, VerificationState) are left out, as AWS asks.
func (c *Clients) ArchiveFindings(ctx context.Context, at resource.Place, fs []HubFinding, now time.Time) (imported int, failed []FailedFinding, err error) {
	docs := make([]shtypes.AwsSecurityFinding, len(fs))
	for i, f := range fs {
		d := f.doc
		d.Compliance = &shtypes.Compliance{Status: shtypes.ComplianceStatusPassed}
		d.RecordState = shtypes.RecordStateArchived
		d.UpdatedAt = aws.String(now.UTC().Format(time.RFC3339Nano))
		d.Workflow, d.WorkflowState, d.Note, d.UserDefinedFields, d.VerificationState = nil, "", nil, nil, ""
		docs[i] = d
	}
	return c.importDocs(ctx, at, docs)
}

// ResolveFindings sets the workflow status of findings to RESOLVED with a note, through
// BatchUpdateFindings, 100 a call: the status a customer's console shows.
func (c *Clients) ResolveFindings(ctx context.Context, at resource.Place, fs []HubFinding, note string) (failed []FailedFinding, err error) {
	cl, err := c.securityHubAt(ctx, at)
	if err != nil {
		return nil, err
	}
	for start := 0; start < len(fs); start += hubBatch {
		in := &securityhub.BatchUpdateFindingsInput{
			Workflow: &shtypes.WorkflowUpdate{Status: shtypes.WorkflowStatusResolved},
			Note:     &shtypes.NoteUpdate{Text: aws.String(note), UpdatedBy: aws.String("ec2guard")},
		}
		for _, f := range fs[start:min(start+hubBatch, len(fs))] {
			in.FindingIdentifiers = append(in.FindingIdentifiers, shtypes.AwsSecurityFindingIdentifier{Id: aws.String(f.ID), ProductArn: aws.String(f.ProductArn)})
		}
		out, err := cl.BatchUpdateFindings(ctx, in)
		if err != nil {
			return failed, fmt.Errorf("resolving Security Hub findings (%s, %s): %w", at.Account, at.Region, err)
		}
		for _, u := range out.UnprocessedFindings {
			f := FailedFinding{Code: aws.ToString(u.ErrorCode), Message: aws.ToString(u.ErrorMessage)}
			if u.FindingIdentifier != nil {
				f.ID = aws.ToString(u.FindingIdentifier.Id)
			}
			failed = append(failed, f)
		}
	}
	return failed, nil
}
