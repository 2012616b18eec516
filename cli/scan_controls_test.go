package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/internal/mototest"
)

// scan --controls on moto: one record per (control, resource) with every field, the account
// control naming the account; text grouped by control, failures first; ASFF findings as
// BatchImportFindings takes them; --fail-on's exit code.
func TestScanControlsOnMoto(t *testing.T) {
	w := newWorld(t)
	m := w.Mixed()
	args := []string{"scan", "--controls", "EC2.8,EC2G-NET-2,EC2.7", "--region", mototest.Region, "--aws-max-backoff", "1ms"}
	code, out, errOut := runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := map[string]controls.Record{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec controls.Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if rec.Time.IsZero() || rec.Account != mototest.AccountID || rec.Region != mototest.Region || rec.Title == "" || rec.CIS == nil {
			t.Errorf("a record without its fields: %+v", rec)
		}
		got[rec.Control+" "+rec.Resource] = rec
	}
	for key, want := range map[string]controls.Status{
		"EC2G-IMDS-1 " + m.IMDSv1:          controls.Fail,
		"EC2G-IMDS-1 " + m.IMDSv2:          controls.Pass,
		"EC2G-NET-2 " + m.OpenGroup:        controls.Fail,
		"EC2G-NET-2 " + m.ClosedGroup:      controls.Pass,
		"EC2G-ENC-2 " + mototest.AccountID: controls.Fail,
	} {
		if rec, ok := got[key]; !ok || rec.Status != want {
			t.Errorf("%s: %+v, want %s", key, rec, want)
		}
	}
	if rec := got["EC2G-IMDS-1 "+m.IMDSv1]; rec.SecurityHub != "EC2.8" || rec.Severity != controls.High || rec.Kind != "instance" || !strings.Contains(rec.Reason, "HttpTokens") {
		t.Errorf("EC2.8's record: %+v", rec)
	}
	if !strings.Contains(errOut, "records of 3 controls") {
		t.Errorf("summary: %s", errOut)
	}

	code, text, _ := runCLI(t, "", append(args, "--format", "text")...)
	lines := strings.Split(text, "\n")
	if code != 0 || !strings.HasPrefix(lines[0], "EC2G-IMDS-1 (EC2.8) high") || !strings.Contains(text, "EC2G-ENC-2 (EC2.7) medium: EBS default encryption should be enabled — 1 fail\n") || !strings.Contains(text, "EC2G-IMDS-1 (EC2.8) high: EC2 instances should use Instance Metadata Service Version 2 (IMDSv2) — 1 fail, 1 pass") {
		t.Errorf("text (%d):\n%s", code, text)
	}
	imds := strings.Index(text, "EC2G-IMDS-1")
	if f, p := strings.Index(text[imds:], "  fail"), strings.Index(text[imds:], "  pass"); f < 0 || p < f {
		t.Errorf("failures are not first:\n%s", text)
	}

	code, asff, _ := runCLI(t, "", append(args, "--format", "asff")...)
	var findings []controls.Finding
	if err := json.Unmarshal([]byte(strings.TrimSpace(asff)), &findings); err != nil || code != 0 || len(findings) != len(got) {
		t.Fatalf("asff (%d, %v): %d findings for %d records", code, err, len(findings), len(got))
	}
	for _, f := range findings {
		if f.SchemaVersion != "2018-10-08" || f.AwsAccountID != mototest.AccountID || len(f.Resources) != 1 || f.Compliance.Status == "" ||
			f.ProductArn != "arn:aws:securityhub:"+mototest.Region+":"+mototest.AccountID+":product/"+mototest.AccountID+"/default" {
			t.Errorf("finding %+v", f)
		}
		if strings.HasSuffix(f.ID, m.IMDSv1) && strings.Contains(f.ID, "EC2G-IMDS-1") &&
			(f.Severity.Label != "HIGH" || f.Compliance.Status != "FAILED" || f.Resources[0].Type != "AwsEc2Instance" ||
				f.Resources[0].ID != "arn:aws:ec2:"+mototest.Region+":"+mototest.AccountID+":instance/"+m.IMDSv1) {
			t.Errorf("EC2.8's finding: %+v", f)
		}
	}

	if code, _, errOut := runCLI(t, "", append(args, "--fail-on", "high")...); code != ExitFindings || !strings.Contains(errOut, "severity high") {
		t.Errorf("--fail-on high: exit %d: %s", code, errOut)
	}
	if code, _, _ := runCLI(t, "", "scan", "--controls", "EC2G-ENC-2", "--region", mototest.Region, "--aws-max-backoff", "1ms", "--fail-on", "high"); code != 0 {
		t.Errorf("--fail-on high with a medium failure: exit %d", code)
	}
	for _, bad := range [][]string{{"--controls", "EC2.99"}, {"--controls", "all", "--fail-on", "severe"}, {"--fail-on", "high"}, {"--controls", "all", "--format", "yaml"}} {
		if code, _, errOut := runCLI(t, "", append([]string{"scan", "--region", mototest.Region}, bad...)...); code != ExitUsage {
			t.Errorf("%v: exit %d: %s", bad, code, errOut)
		}
	}
}

// scan --controls lists its places through the scanner, as scan -r does: two member accounts
// and two regions, --parallel 4, each (account, region) listed once; text in place order.
func TestScanControlsAccountsAndRegionsOnMoto(t *testing.T) {
	w := newWorld(t)
	const role = "ec2guard-remediation"
	want := map[string]string{} // instance → its place
	for _, acct := range []string{"222222222222", "333333333333"} {
		for _, region := range []string{mototest.Region, "eu-west-1"} {
			want[w.InAccount(acct, role).InRegion(region).Run(nil, false)] = acct + "/" + region
		}
	}
	args := []string{"scan", "--controls", "EC2.8", "--account", "222222222222,333333333333", "--assume-role", role,
		"--region", mototest.Region + ",eu-west-1", "--parallel", "4", "--aws-max-backoff", "1ms"}
	code, out, errOut := runCLI(t, "", args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec controls.Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if _, dup := got[rec.Resource]; dup {
			t.Errorf("%s judged twice", rec.Resource)
		}
		got[rec.Resource] = rec.Account + "/" + rec.Region
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("records by place:\n%v\nwant\n%v", got, want)
	}
	if !strings.Contains(errOut, "in 4 places") {
		t.Errorf("summary: %s", errOut)
	}
	code, text, _ := runCLI(t, "", append(args, "--format", "text")...)
	first, last := strings.Index(text, "222222222222 "+mototest.Region), strings.LastIndex(text, "333333333333 eu-west-1")
	if code != 0 || first < 0 || last < first {
		t.Errorf("text not in place order (%d):\n%s", code, text)
	}
}
