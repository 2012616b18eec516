package hub_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/hub"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

func finding(t *testing.T, control, res string, status controls.Status, at time.Time) controls.Finding {
	t.Helper()
	c, ok := controls.ByID(control)
	if !ok {
		t.Fatalf("no control %s", control)
	}
	return c.ASFF(&controls.Record{Time: at, Control: c.ID, Severity: c.Severity, Account: mototest.AccountID, Region: mototest.Region,
		Kind: string(c.Kind), Resource: res, Status: status, Reason: "as the test says"})
}

// TestSendAndResolve: a first scan's failures arrive in moto's Security Hub; a rescan in
// which one passes and one resource is gone closes both (archived, compliance PASSED), and
// leaves the still-failing one and another control's finding active.
func TestSendAndResolve(t *testing.T) {
	mototest.NewFleet(t) // a fresh server
	ctx := context.Background()
	api := awsapi.New()
	api.MaxBackoff = 1
	at := resource.Place{Account: mototest.AccountID, Region: mototest.Region}
	t0 := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	first := []controls.Finding{
		finding(t, "EC2G-NET-2", "sg-01", controls.Fail, t0), finding(t, "EC2G-NET-2", "sg-02", controls.Fail, t0),
		finding(t, "EC2G-NET-2", "sg-03", controls.Fail, t0), finding(t, "EC2G-NET-2", "sg-04", controls.Pass, t0),
		finding(t, "EC2G-IMDS-1", "i-01", controls.Fail, t0),
	}
	res, err := hub.Send(ctx, api, first, []resource.Place{at}, []string{"ec2guard/EC2G-NET-2", "ec2guard/EC2G-IMDS-1"}, t0)
	if err != nil || res.Imported != 5 || res.Archived != 1 || len(res.Failed) != 0 {
		t.Fatalf("first send: %+v, %v", res, err)
	}
	active := ids(t, api, at)
	if want := "ec2guard/123456789012/us-east-1/EC2G-IMDS-1/i-01 ec2guard/123456789012/us-east-1/EC2G-NET-2/sg-01 ec2guard/123456789012/us-east-1/EC2G-NET-2/sg-02 ec2guard/123456789012/us-east-1/EC2G-NET-2/sg-03"; active != want {
		t.Fatalf("active after the first scan:\n%s\nwant\n%s", active, want)
	}

	// The rescan judges EC2G-NET-2 only: sg-01 passes, sg-02 still fails, sg-03 is gone.
	t1 := t0.Add(24 * time.Hour)
	again := []controls.Finding{finding(t, "EC2G-NET-2", "sg-01", controls.Pass, t1), finding(t, "EC2G-NET-2", "sg-02", controls.Fail, t1), finding(t, "EC2G-NET-2", "sg-04", controls.Pass, t1)}
	res, err = hub.Send(ctx, api, again, []resource.Place{at}, []string{"ec2guard/EC2G-NET-2"}, t1)
	if err != nil || res.Imported != 3 || res.Archived != 3 || len(res.Failed) != 0 {
		t.Fatalf("rescan: %+v, %v", res, err)
	}
	if want := "ec2guard/123456789012/us-east-1/EC2G-IMDS-1/i-01 ec2guard/123456789012/us-east-1/EC2G-NET-2/sg-02"; ids(t, api, at) != want {
		t.Errorf("active after the rescan: %s, want %s", ids(t, api, at), want)
	}
	// moto 5.2 lacks BatchUpdateFindings: the workflow status is not set there, and Send says so.
	if res.Resolved != 0 || res.Unresolved == nil || !strings.Contains(res.Unresolved.Error(), "StatusCode: 404") {
		t.Errorf("resolved %d, unresolved %v; want moto's 404", res.Resolved, res.Unresolved)
	}
}

func ids(t *testing.T, api *awsapi.Clients, at resource.Place) string {
	t.Helper()
	fs, err := api.ActiveFindings(context.Background(), at, hub.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}
