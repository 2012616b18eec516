package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/internal/mototest"
)

const scanRecords = `{"time":"2026-12-01T10:00:00Z","control":"EC2G-NET-2","securityhub":"EC2.13","cis":["v3.0.0 5.2"],"prowler":["ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22"],"severity":"high","account":"111122223333","region":"eu-west-1","kind":"security-group","resource":"sg-0a1","status":"fail","reason":"port 22 open to 0.0.0.0/0","action":"revoke-ingress","outcome":"dry-run","owner":"alice"}
{"time":"2026-12-01T10:00:00Z","control":"EC2G-NET-2","securityhub":"EC2.13","severity":"high","account":"111122223333","region":"eu-west-1","kind":"security-group","resource":"sg-0a2","status":"pass","reason":"no ingress from the internet to port 22"}
{"time":"2026-12-01T10:00:00Z","control":"EC2G-ENC-2","securityhub":"EC2.7","severity":"medium","account":"111122223333","region":"eu-west-1","kind":"account","resource":"111122223333","status":"fail","reason":"EBS encryption by default is off"}
`

const decisionRecords = `{"time":"2026-12-01T09:00:00Z","event_id":"e1","event_source":"aws.ec2","detail_type":"EC2 Instance State-change Notification","event_name":"","account":"111122223333","region":"eu-west-1","rule":"restart-protected","resource":"i-0abc","action":"start","outcome":"applied","reason":"","error":"","dry_run":false,"duration_ms":12}
{"time":"2026-12-02T09:00:00Z","event_id":"e2","event_source":"aws.ec2","detail_type":"EC2 Instance State-change Notification","event_name":"","account":"111122223333","region":"eu-west-1","rule":"restart-protected","resource":"i-0abc","action":"start","outcome":"failed","reason":"","error":"throttled","dry_run":false,"duration_ms":12}
`

func TestReport(t *testing.T) {
	reportNow = func() time.Time { return time.Date(2026, 12, 3, 7, 0, 0, 0, time.UTC) }
	t.Cleanup(func() { reportNow = time.Now })
	dir := t.TempDir()
	scan := writeFile(t, dir, "scan.ndjson", scanRecords)
	dec := writeFile(t, dir, "decisions.ndjson", decisionRecords)
	code, iamJSON, stderr := runCLI(t, "", "iam", "check", "--format", "json", "../examples/iam/ec2-roles.yaml")
	if code != 1 {
		t.Fatalf("iam check: exit %d, %s", code, stderr)
	}
	iam := writeFile(t, dir, "iam.json", iamJSON)
	out := filepath.Join(dir, "report.html")
	code, _, stderr = runCLI(t, "", "report", "--scan", scan, "--decisions", dec, "--iam", iam, "-o", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "3 control records (2 fail), 2 decisions,") {
		t.Errorf("summary %q", stderr)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="n-pass">1<`, `id="n-fail">2<`, "revoke-ingress (dry-run)", "2026-12-03 07:00 UTC", "IAM-EC2-1", "BreakGlassRole", "EBS default encryption should be enabled", "examples/iam/ec2-roles.yaml:"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the page lacks %q", want)
		}
	}

	code, md, stderr := runCLI(t, scanRecords, "report", "--scan", "-", "--format", "markdown")
	if code != 0 || !strings.Contains(md, "**1 pass, 2 fail, 0 error, 0 not applicable** over 3 control records") || !strings.Contains(md, "| EC2G-NET-2 | EC2.13 | high | 1 | 0 | 1 |") {
		t.Errorf("exit %d %s\n%s", code, stderr, md)
	}
}

func TestReportErrors(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.ndjson", scanRecords+"{not json\n")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "nothing to report"},
		{[]string{"report", "--scan", bad}, "bad.ndjson:4: not a record"},
		{[]string{"report", "--scan", filepath.Join(dir, "none")}, "no such file"},
		{[]string{"report", "--scan", "-", "--decisions", "-"}, "can be read once"},
		{[]string{"report", "--iam", bad}, "not iam check --format json output"},
		{[]string{"report", "--scan", bad, "--format", "pdf"}, `--format "pdf"`},
	} {
		code, _, stderr := runCLI(t, "", c.args...)
		if code != ExitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// TestReportExamples runs the README's report commands on examples/report.
func TestReportExamples(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.html")
	code, _, stderr := runCLI(t, "", "report", "--scan", "../examples/report/scan.ndjson", "--decisions", "../examples/report/decisions.ndjson", "-o", out)
	if code != 0 || !strings.Contains(stderr, "12 control records (6 fail), 16 decisions, 0 IAM findings") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	code, md, stderr := runCLI(t, "", "report", "--scan", "../examples/report/scan.ndjson", "--format", "markdown")
	if code != 0 || !strings.Contains(md, "**4 pass, 6 fail, 1 error, 1 not applicable** over 12 control records") {
		t.Errorf("exit %d: %s\n%s", code, stderr, md)
	}
}

// TestReportLive scans the controls on moto in-process (--live), as scan --controls does.
func TestReportLive(t *testing.T) {
	w := newWorld(t)
	m := w.Mixed()
	code, md, stderr := runCLI(t, "", "report", "--live", "--controls", "EC2G-NET-2", "--region", mototest.Region, "--aws-max-backoff", "1ms", "--format", "markdown")
	if code != 0 || !strings.Contains(md, "| EC2G-NET-2 | EC2.13 | high |") || !strings.Contains(md, m.OpenGroup) || strings.Contains(md, m.ClosedGroup) {
		t.Errorf("exit %d %s\n%s", code, stderr, md)
	}
	if code, _, stderr := runCLI(t, "", "report", "--live", "--scan", "x.ndjson"); code != ExitUsage || !strings.Contains(stderr, "--live or --scan") {
		t.Errorf("--live and --scan: exit %d %s", code, stderr)
	}
}
