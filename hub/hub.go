// Package hub sends ec2guard's control findings to AWS Security Hub and closes them there
// when they are fixed. A scan's findings (ASFF) are imported with BatchImportFindings; a
// finding that now passes (or is out of scope) is imported archived, as a finding provider
// closes its own findings, and one whose resource is gone is archived as passed; both are
// then marked RESOLVED with BatchUpdateFindings, the workflow status a console shows.
package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/resource"
)

// Prefix starts the GeneratorId of every ec2guard finding ("ec2guard/EC2G-NET-2").
const Prefix = "ec2guard/"

// API is the Security Hub calls hub makes (awsapi.Clients).
type API interface {
	ActiveFindings(ctx context.Context, at resource.Place, prefix string) ([]awsapi.HubFinding, error)
	ImportFindings(ctx context.Context, at resource.Place, findings [][]byte) (int, []awsapi.FailedFinding, error)
	ArchiveFindings(ctx context.Context, at resource.Place, fs []awsapi.HubFinding, now time.Time) (int, []awsapi.FailedFinding, error)
	ResolveFindings(ctx context.Context, at resource.Place, fs []awsapi.HubFinding, note string) ([]awsapi.FailedFinding, error)
}

// Result is what a Send did.
type Result struct {
	Imported int                    // findings Security Hub took
	Archived int                    // of them or of earlier ones, closed as passed
	Resolved int                    // findings whose workflow status was set to RESOLVED
	Failed   []awsapi.FailedFinding // findings Security Hub refused
	// Unresolved is why the workflow status of fixed findings could not be set (they are
	// archived all the same): BatchUpdateFindings refused or is missing (moto).
	Unresolved error
}

// closed reports whether a compliance status means nothing is wrong any more.
func closed(status string) bool { return status == "PASSED" || status == "NOT_AVAILABLE" }

// Send imports the findings of a scan over places that judged the controls generators
// names (their GeneratorIds), and closes the findings the scan no longer supports: those
// that pass now, and those of a scanned control and place whose resource the scan did not
// see (it is gone). Findings of other controls or places are left as they are.
func Send(ctx context.Context, api API, findings []controls.Finding, places []resource.Place, generators []string, now time.Time) (Result, error) {
	var res Result
	byPlace := map[resource.Place][]controls.Finding{}
	for _, f := range findings {
		at := resource.Place{Account: f.AwsAccountID}
		if len(f.Resources) > 0 {
			at.Region = f.Resources[0].Region
		}
		byPlace[at] = append(byPlace[at], f)
		if !slices.Contains(places, at) {
			places = append(places, at)
		}
	}
	var unresolved []error
	for _, at := range places {
		active, err := api.ActiveFindings(ctx, at, Prefix)
		if err != nil {
			return res, err
		}
		seen := map[string]string{} // id → compliance status now
		docs := make([][]byte, 0, len(byPlace[at]))
		for _, f := range byPlace[at] {
			if closed(f.Compliance.Status) {
				f.RecordState = "ARCHIVED"
				res.Archived++
			}
			seen[f.ID] = f.Compliance.Status
			b, err := json.Marshal(f)
			if err != nil {
				return res, fmt.Errorf("finding %s: %w", f.ID, err)
			}
			docs = append(docs, b)
		}
		n, failed, err := api.ImportFindings(ctx, at, docs)
		res.Imported += n
		res.Failed = append(res.Failed, failed...)
		if err != nil {
			return res, err
		}
		var fixed, gone []awsapi.HubFinding
		for _, h := range active {
			status, ok := seen[h.ID]
			switch {
			case ok && closed(status) && h.Workflow != "RESOLVED" && h.Workflow != "SUPPRESSED":
				fixed = append(fixed, h)
			case !ok && slices.Contains(generators, h.GeneratorID):
				gone = append(gone, h)
			}
		}
		if len(gone) > 0 {
			n, failed, err := api.ArchiveFindings(ctx, at, gone, now)
			res.Archived += n
			res.Failed = append(res.Failed, failed...)
			if err != nil {
				return res, err
			}
			for _, h := range gone {
				if h.Workflow != "RESOLVED" && h.Workflow != "SUPPRESSED" {
					fixed = append(fixed, h)
				}
			}
		}
		if len(fixed) == 0 {
			continue
		}
		failed, err = api.ResolveFindings(ctx, at, fixed, "ec2guard: the scan of "+now.UTC().Format(time.RFC3339)+" found it fixed")
		if err != nil {
			unresolved = append(unresolved, err)
			continue
		}
		res.Resolved += len(fixed) - len(failed)
		res.Failed = append(res.Failed, failed...)
	}
	res.Unresolved = errors.Join(unresolved...)
	return res, nil
}
