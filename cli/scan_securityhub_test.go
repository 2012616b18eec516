package cli

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/hub"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
)

// TestScanToSecurityHub: scan --controls --to-securityhub puts the open group's finding in
// moto's Security Hub; once the group is closed, the rescan archives it.
func TestScanToSecurityHub(t *testing.T) {
	w := newWorld(t)
	m := w.Mixed()
	args := []string{"scan", "--controls", "EC2G-NET-2", "--region", mototest.Region, "--aws-max-backoff", "1ms", "--to-securityhub"}
	code, _, errOut := runCLI(t, "", args...)
	if code != 0 || !strings.Contains(errOut, "Security Hub: ") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	at := resource.Place{Account: mototest.AccountID, Region: mototest.Region}
	open := "ec2guard/" + mototest.AccountID + "/" + mototest.Region + "/EC2G-NET-2/" + m.OpenGroup
	if !activeIDs(t, at)[open] {
		t.Fatalf("no active finding %s: %v", open, activeIDs(t, at))
	}
	if activeIDs(t, at)["ec2guard/"+mototest.AccountID+"/"+mototest.Region+"/EC2G-NET-2/"+m.ClosedGroup] {
		t.Error("the closed group's finding is active")
	}
	_, err := w.EC2.RevokeSecurityGroupIngress(w.Ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(m.OpenGroup), IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("rescan: exit %d: %s", code, errOut)
	}
	if activeIDs(t, at)[open] {
		t.Errorf("the fixed group's finding is still active: %s", errOut)
	}
	// moto has no BatchUpdateFindings: the workflow status is not set, and scan says so.
	if !strings.Contains(errOut, "workflow status is not RESOLVED") {
		t.Errorf("stderr: %s", errOut)
	}
	if code, _, errOut := runCLI(t, "", "scan", "--region", mototest.Region, "--to-securityhub"); code != ExitUsage || !strings.Contains(errOut, "goes with --controls") {
		t.Errorf("--to-securityhub without --controls: exit %d %s", code, errOut)
	}
}

func activeIDs(t *testing.T, at resource.Place) map[string]bool {
	t.Helper()
	fs, err := awsapi.New().ActiveFindings(context.Background(), at, hub.Prefix)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, f := range fs {
		out[f.ID] = true
	}
	return out
}
