package hub_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/hub"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
)

// recorder is Security Hub as the calls Send makes of it: what moto cannot answer
// (BatchUpdateFindings) is recorded rather than sent.
type recorder struct {
	active   []awsapi.HubFinding
	imported []string // id:RecordState
	archived []string
	resolved []string
}

func (r *recorder) ActiveFindings(context.Context, resource.Place, string) ([]awsapi.HubFinding, error) {
	return r.active, nil
}

func (r *recorder) ImportFindings(_ context.Context, _ resource.Place, fs [][]byte) (int, []awsapi.FailedFinding, error) {
	for _, b := range fs {
		var f struct{ Id, RecordState string }
		_ = json.Unmarshal(b, &f)
		r.imported = append(r.imported, f.Id+":"+f.RecordState)
	}
	return len(fs), nil, nil
}

func (r *recorder) ArchiveFindings(_ context.Context, _ resource.Place, fs []awsapi.HubFinding, _ time.Time) (int, []awsapi.FailedFinding, error) {
	for _, f := range fs {
		r.archived = append(r.archived, f.ID)
	}
	return len(fs), nil, nil
}

func (r *recorder) ResolveFindings(_ context.Context, _ resource.Place, fs []awsapi.HubFinding, _ string) ([]awsapi.FailedFinding, error) {
	for _, f := range fs {
		r.resolved = append(r.resolved, f.ID)
	}
	return nil, nil
}

// TestSendResolves: what is resolved, and what is left alone — a suppressed finding, one
// already resolved, one of a control the scan did not judge.
func TestSendResolves(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
	id := func(control, res string) string {
		return "ec2guard/" + mototest.AccountID + "/" + mototest.Region + "/" + control + "/" + res
	}
	h := func(control, res, workflow string) awsapi.HubFinding {
		return awsapi.HubFinding{ID: id(control, res), GeneratorID: "ec2guard/" + control, Compliance: "FAILED", RecordState: "ACTIVE", Workflow: workflow}
	}
	r := &recorder{active: []awsapi.HubFinding{
		h("EC2G-NET-2", "sg-fixed", "NEW"), h("EC2G-NET-2", "sg-still", "NOTIFIED"), h("EC2G-NET-2", "sg-gone", "NEW"),
		h("EC2G-NET-2", "sg-suppressed", "SUPPRESSED"), h("EC2G-NET-2", "sg-done", "RESOLVED"), h("EC2G-IMDS-1", "i-other", "NEW"),
	}}
	scan := []controls.Finding{
		finding(t, "EC2G-NET-2", "sg-fixed", controls.Pass, t0), finding(t, "EC2G-NET-2", "sg-still", controls.Fail, t0),
		finding(t, "EC2G-NET-2", "sg-suppressed", controls.Pass, t0), finding(t, "EC2G-NET-2", "sg-done", controls.NotApplicable, t0),
	}
	at := resource.Place{Account: mototest.AccountID, Region: mototest.Region}
	res, err := hub.Send(context.Background(), r, scan, []resource.Place{at}, []string{"ec2guard/EC2G-NET-2"}, t0)
	if err != nil || res.Unresolved != nil {
		t.Fatal(err, res.Unresolved)
	}
	wantImported := []string{id("EC2G-NET-2", "sg-fixed") + ":ARCHIVED", id("EC2G-NET-2", "sg-still") + ":ACTIVE", id("EC2G-NET-2", "sg-suppressed") + ":ARCHIVED", id("EC2G-NET-2", "sg-done") + ":ARCHIVED"}
	if !slices.Equal(r.imported, wantImported) {
		t.Errorf("imported %v, want %v", r.imported, wantImported)
	}
	if want := []string{id("EC2G-NET-2", "sg-gone")}; !slices.Equal(r.archived, want) {
		t.Errorf("archived %v, want %v", r.archived, want)
	}
	if want := []string{id("EC2G-NET-2", "sg-fixed"), id("EC2G-NET-2", "sg-gone")}; !slices.Equal(r.resolved, want) {
		t.Errorf("resolved %v, want %v", r.resolved, want)
	}
	if res.Imported != 4 || res.Archived != 4 || res.Resolved != 2 {
		t.Errorf("result %+v", res)
	}
}
