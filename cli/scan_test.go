package cli

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ec2guard/ec2guard/engine"
)

// scan on moto with the seeds' rule file: the state rules apply to the fleet as it is, the
// CloudTrail rule is named as not evaluated, dry run mutates nothing, and a second scan finds
// nothing left to do.
func TestScanSeedsOnMoto(t *testing.T) {
	w := newWorld(t)
	protected := w.Run(map[string]string{"Protected": "true"}, true)
	protectedUp := w.Run(map[string]string{"Protected": "true"}, false)
	rogue := w.Run(nil, false)
	excepted := w.Run(map[string]string{"SPECIAL_EXCEPTION": "yes"}, false)
	parked := w.Run(nil, true)
	gone := w.Run(nil, false)
	if _, err := w.EC2.TerminateInstances(w.Ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{gone}}); err != nil {
		t.Fatal(err)
	}
	seeds := filepath.Join("..", "examples", "seeds.yaml")
	state := filepath.Join(t.TempDir(), "ledger.db")
	args := []string{"scan", "-r", seeds, "--var", "topic=" + w.topic, "--state", state}

	// outcomes maps "instance action" (or "instance -" for a record without action) to outcome.
	outcomes := func(out string) map[string]string {
		m := map[string]string{}
		for _, d := range decisions(t, out) {
			if !strings.HasPrefix(d.EventID, "scan-") || d.DetailType != engine.ScanDetailType || d.Region != "us-east-1" || d.Account == "" {
				t.Errorf("record does not name the scan's state event: %+v", d)
			}
			act := d.Action
			if act == "" {
				act = "-"
			}
			m[d.Resource+" "+act] = string(d.Outcome)
		}
		return m
	}
	want := func(t *testing.T, got map[string]string, want map[string]string) {
		t.Helper()
		var g, wnt []string
		for k, v := range got {
			g = append(g, k+"="+v)
		}
		for k, v := range want {
			wnt = append(wnt, k+"="+v)
		}
		sort.Strings(g)
		sort.Strings(wnt)
		if strings.Join(g, "\n") != strings.Join(wnt, "\n") {
			t.Fatalf("decisions:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(wnt, "\n"))
		}
	}

	t.Run("dry run", func(t *testing.T) {
		code, out, errOut := runCLI(t, "", append(args, "--dry-run")...)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		want(t, outcomes(out), map[string]string{
			protected + " start": "dry-run", protected + " notify": "dry-run",
			protectedUp + " -": "skipped", // running, Protected: rule 2 leaves it alone
			rogue + " stop":    "dry-run", rogue + " notify": "dry-run",
			excepted + " -": "skipped",
			parked + " -":   "skipped", // stopped, not protected
		})
		if !strings.Contains(errOut, "not evaluated") || !strings.Contains(errOut, "auto-tag-creator") {
			t.Errorf("the CloudTrail rule is not named as not evaluated:\n%s", errOut)
		}
		if !strings.Contains(errOut, "5 instances in us-east-1, 5 selected by a rule") {
			t.Errorf("summary:\n%s", errOut)
		}
		if w.State(protected) != "stopped" || w.State(rogue) != "running" {
			t.Fatal("a dry run changed the fleet")
		}
	})
	t.Run("enforce", func(t *testing.T) {
		code, out, errOut := runCLI(t, "", args...)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		got := outcomes(out)
		for _, k := range []string{protected + " start", protected + " notify", rogue + " stop", rogue + " notify"} {
			if got[k] != "applied" {
				t.Errorf("%s: %s\n%s", k, got[k], out)
			}
		}
		if s := w.State(protected); s != "running" && s != "pending" {
			t.Errorf("protected instance is %s", s)
		}
		if s := w.State(rogue); s != "stopped" && s != "stopping" {
			t.Errorf("rogue instance is %s", s)
		}
		if w.State(excepted) != "running" || w.State(parked) != "stopped" || w.State(protectedUp) != "running" {
			t.Error("scan touched an instance no rule selects")
		}
	})
	t.Run("second scan", func(t *testing.T) {
		code, out, errOut := runCLI(t, "", args...)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		for k, o := range outcomes(out) {
			if o == string(engine.Applied) {
				t.Errorf("%s applied again", k)
			}
		}
		// The rogue instance is stopped now and not protected; the protected one runs.
		if !strings.Contains(errOut, "5 instances in us-east-1") {
			t.Errorf("summary:\n%s", errOut)
		}
	})
}

// The blast-radius cap holds a first scan of a non-compliant fleet to --max-actions.
func TestScanBlastRadiusOnMoto(t *testing.T) {
	w := newWorld(t)
	var ids []string
	for range 4 {
		ids = append(ids, w.Run(nil, false))
	}
	dir := t.TempDir()
	rulesFile := writeFile(t, dir, "r.yaml", `rules:
  - name: stop-all
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    actions: [stop]
    mode: enforce
`)
	code, out, errOut := runCLI(t, "", "scan", "-r", rulesFile, "--no-state", "--max-actions", "2")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	n := map[engine.Outcome]int{}
	for _, d := range decisions(t, out) {
		n[d.Outcome]++
	}
	if n[engine.Applied] != 2 || n[engine.Suppressed] != 2 {
		t.Fatalf("outcomes %v\n%s", n, out)
	}
	running := 0
	for _, id := range ids {
		if w.State(id) == "running" {
			running++
		}
	}
	if running != 2 {
		t.Fatalf("%d of 4 still running, want 2", running)
	}
	if !strings.Contains(errOut, fmt.Sprintf("decisions: %d applied", 2)) {
		t.Errorf("summary:\n%s", errOut)
	}
}

func TestScanUsageErrors(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	dir := t.TempDir()
	rulesFile := writeFile(t, dir, "r.yaml", `rules:
  - name: r
    pattern: {source: [aws.ec2]}
    actions: [start]
`)
	if code, _, errOut := runCLI(t, "", "scan", "-r", rulesFile, "--no-state", "extra"); code != ExitUsage {
		t.Errorf("extra argument: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "scan", "--no-state"); code != ExitUsage {
		t.Errorf("no rules: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "scan", "-r", rulesFile, "--no-state"); code != ExitUsage || !strings.Contains(errOut, "no AWS region configured") {
		t.Errorf("no region: exit %d\n%s", code, errOut)
	}
}

// --all-regions scans every region the account has: instances in two of them are found.
func TestScanAllRegionsOnMoto(t *testing.T) {
	w := newWorld(t)
	here := w.Run(map[string]string{"Protected": "true"}, true)
	cfg := w.Cfg.Copy()
	cfg.Region = "eu-west-1"
	eu := ec2.NewFromConfig(cfg)
	imgs, err := eu.DescribeImages(w.Ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("no AMI in eu-west-1: %v", err)
	}
	one := int32(1)
	run, err := eu.RunInstances(w.Ctx, &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, MinCount: &one, MaxCount: &one})
	if err != nil {
		t.Fatal(err)
	}
	there := *run.Instances[0].InstanceId
	rulesFile := writeFile(t, t.TempDir(), "r.yaml", restartProtected)
	code, out, errOut := runCLI(t, "", "scan", "-r", rulesFile, "--no-state", "--dry-run", "--all-regions")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	regions := map[string]string{}
	for _, d := range decisions(t, out) {
		regions[d.Resource] = d.Region
	}
	if regions[here] != "us-east-1" || regions[there] != "eu-west-1" {
		t.Fatalf("regions of the decisions %v (want %s in us-east-1, %s in eu-west-1)\n%s", regions, here, there, errOut)
	}
	if !strings.Contains(errOut, "2 instances in ") || !strings.Contains(errOut, " regions,") {
		t.Errorf("summary:\n%s", errOut)
	}
	if code, _, errOut := runCLI(t, "", "scan", "-r", rulesFile, "--no-state", "--all-regions", "--region", "us-east-1"); code != ExitUsage {
		t.Errorf("--all-regions with --region: exit %d\n%s", code, errOut)
	}
}
