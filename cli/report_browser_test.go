package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/internal/cdp"
	"github.com/ec2guard/ec2guard/internal/mototest"
)

// TestReportOfMotoFleetInBrowser: a fleet of every kind on moto, scanned with every
// control, reported, and the page checked in headless Chromium: no problem reported, no
// request but the page, the counts shown are the scan's, and filtering the failing
// resources for one finds its records.
func TestReportOfMotoFleetInBrowser(t *testing.T) {
	w := newWorld(t)
	w.Mixed()
	code, out, errOut := runCLI(t, "", "scan", "--controls", "all", "--region", mototest.Region, "--aws-max-backoff", "1ms")
	if code != 0 {
		t.Fatalf("scan: exit %d: %s", code, errOut)
	}
	counts := map[controls.Status]int{}
	failing := map[string]int{} // resource → failing or error records
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec controls.Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		counts[rec.Status]++
		if rec.Status == controls.Fail || rec.Status == controls.Error {
			failing[rec.Resource]++
		}
	}
	if counts[controls.Fail] == 0 || counts[controls.Pass] == 0 {
		t.Fatalf("the fleet should pass and fail some controls: %v", counts)
	}
	dir := t.TempDir()
	scan := writeFile(t, dir, "scan.ndjson", out)
	page := filepath.Join(dir, "report.html")
	if code, _, errOut := runCLI(t, "", "report", "--scan", scan, "-o", page); code != 0 {
		t.Fatalf("report: exit %d: %s", code, errOut)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p := cdp.Launch(t)
	watch, err := p.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	self := "file://" + page
	if _, err := p.Load(ctx, self); err != nil {
		t.Fatal(err)
	}
	eval := func(expr string, v any) {
		t.Helper()
		if err := p.Eval(ctx, expr, v); err != nil {
			t.Fatal(err)
		}
	}
	var ready string
	if eval(`document.body.getAttribute('data-ready') || ''`, &ready); ready != "1" {
		t.Fatal("the page's script did not finish")
	}
	for id, want := range map[string]int{"n-pass": counts[controls.Pass], "n-fail": counts[controls.Fail], "n-error": counts[controls.Error], "n-na": counts[controls.NotApplicable]} {
		var got string
		if eval(`document.getElementById('`+id+`').textContent`, &got); got != fmt.Sprint(want) {
			t.Errorf("#%s shows %s, the scan says %d", id, got, want)
		}
	}
	ids := make([]string, 0, len(failing))
	for id := range failing {
		if strings.Contains(id, "-") { // a resource's id, not the account's (every row names that)
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var matched string
	eval(`(function(){var i=document.querySelector('input[data-filter="t-failures"]');i.value='`+ids[0]+`';i.dispatchEvent(new Event('input'));
		return document.querySelector('[data-matched="t-failures"]').textContent})()`, &matched)
	if matched != fmt.Sprint(failing[ids[0]]) {
		t.Errorf("filtering the failing resources for %s finds %s, the scan has %d", ids[0], matched, failing[ids[0]])
	}
	var shot struct {
		Data string `json:"data"`
	}
	if err := p.Call(ctx, "Page.captureScreenshot", map[string]any{"format": "png"}, &shot); err != nil {
		t.Fatal(err)
	}
	img, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(dir, "report.png")
	if err := os.WriteFile(png, img, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d control records of the moto fleet; screenshot: %s", len(strings.Split(strings.TrimSpace(out), "\n")), png)
	for _, pr := range watch.Problems() {
		t.Errorf("the page reported a problem: %s", pr)
	}
	for _, r := range watch.Requests() {
		if r != self {
			t.Errorf("the page made a request: %s", r)
		}
	}
}
