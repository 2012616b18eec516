package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ec2guard/ec2guard/iam/analyze"
	"github.com/ec2guard/ec2guard/iam/checks"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/internal/testshared"
)

func iamPolicy(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// iamFixtures writes a folder of policies — one high finding (IAM-EC2-1), one medium
// (IAM-EC2-7, its action in lower case), one clean, one YAML file that is no input — and,
// beside it, a malformed policy and configuration files. Paths are relative to the test's
// working directory, as a user would give them.
func iamFixtures(t *testing.T) {
	t.Helper()
	t.Chdir(t.TempDir())
	files := map[string]string{
		"policies/terminate.json": iamPolicy(`{"Sid":"Kill","Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*"}`),
		"policies/stop.json":      iamPolicy(`{"Sid":"Stop","Effect":"Allow","Action":"ec2:stopinstances","Resource":"*"}`),
		"policies/describe.json":  iamPolicy(`{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}`),
		"policies/notes.yaml":     "hello: world\n",
		"policies/stopped.json":   `{"version":"0","id":"e1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{"state":"stopped"}}`,
		"events/stopped.json":     `{"version":"0","id":"e1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{"state":"stopped"}}`,
		"events/pattern.json":     `{"source":["aws.ec2"]}`,
		"empty/.keep":             "",
		"broken/truncated.json":   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",`,
		"broken/event.json":       `{"version":"0","id":"e1","source":"aws.ec2","detail":`,
		"clean/describe.json":     iamPolicy(`{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}`),
		"bad.json":                `{"Version":"2012-10-17","Statement":{"Effect":"Permit","Action":"ec2:*","Resource":"*"}}`,
		"notes.yaml":              "hello: world\n",
		"lenient.yaml":            "severity:\n  IAM-EC2-1: low\n",
		"exclude.yaml":            "exclude:\n  - check: IAM-EC2-1\n    policy: term*\n    reason: the reaper\n",
		"broken.yaml":             "approved_amis: [img-1]\nbogus: 1\nseverity:\n  IAM-EC2-1: severe\n",
	}
	for name, src := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A dangling link: a file the walk finds and cannot read.
	if err := os.MkdirAll("dangling", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../gone.json", filepath.Join("dangling", "p.json")); err != nil {
		t.Fatal(err)
	}
}

// jsonReport is iam check's JSON output.
type jsonReport struct {
	Findings []struct {
		ID, Severity, Title, Principal, Policy, Statement, Message string
		Actions, Resources                                         []string
		Location                                                   struct {
			File         string
			Line, Column int
		}
	}
	Summary analyze.Summary
}

func (r *jsonReport) ids() []string {
	var ids []string
	for _, f := range r.Findings {
		ids = append(ids, f.ID)
	}
	return ids
}

func TestIAMCheck(t *testing.T) {
	iamFixtures(t)
	skipped := "ec2guard: skipped policies/notes.yaml: not an IAM input\nec2guard: skipped policies/stopped.json: not an IAM input\n"
	tests := []struct {
		name    string
		args    []string
		code    int
		ids     []string // the findings' check IDs, in report order (JSON runs only)
		out     []string // in stdout
		errOut  []string // in stderr
		noErr   bool     // stderr must be empty
		noFinds bool
	}{
		{"high finding fails the default threshold", []string{"policies", "--format", "json"}, 1,
			[]string{"IAM-EC2-1", "IAM-EC2-7"}, nil, []string{skipped}, false, false},
		{"--fail-on none", []string{"policies", "--fail-on", "none", "--format", "json"}, 0, []string{"IAM-EC2-1", "IAM-EC2-7"}, nil, nil, false, false},
		{"--fail-on critical", []string{"policies", "--fail-on", "critical", "--format", "json"}, 0, []string{"IAM-EC2-1", "IAM-EC2-7"}, nil, nil, false, false},
		{"--fail-on medium", []string{"policies", "--check", "IAM-EC2-7", "--fail-on", "MEDIUM", "--format", "json"}, 1, []string{"IAM-EC2-7"}, nil, nil, false, false},
		{"--check selects", []string{"policies", "--check", "iam-ec2-7", "--format", "json"}, 0, []string{"IAM-EC2-7"}, nil, nil, false, false},
		{"--check comma-separated and repeated", []string{"policies", "--check", "IAM-EC2-7,IAM-POLICY-4", "--check", "IAM-EC2-1", "--format", "json"}, 1,
			[]string{"IAM-EC2-1", "IAM-EC2-7"}, nil, nil, false, false},
		{"a check with nothing to find", []string{"policies", "--check", "IAM-EC2-6", "--format", "json"}, 0, []string{}, nil, nil, false, false},
		{"clean folder", []string{"clean"}, 0, nil, []string{"0 findings (none) in 1 policy, 0 principals"}, nil, true, false},
		{"malformed policy is a finding", []string{"bad.json", "--format", "json"}, 1, []string{"IAM-POLICY-4"}, nil, nil, true, false},
		{"severity override", []string{"policies", "--config", "lenient.yaml", "--format", "json"}, 0, []string{"IAM-EC2-7", "IAM-EC2-1"}, nil, nil, false, false},
		{"exclusion", []string{"policies", "-c", "exclude.yaml"}, 0, nil,
			[]string{"IAM-EC2-7 [medium]", "1 finding (1 medium) in 3 policies, 0 principals; 1 excluded by the configuration"}, nil, false, false},
		{"text names policy, statement and actions", []string{"policies"}, 1, nil, []string{
			"policies/terminate.json:1:38: IAM-EC2-1 [high] Instance termination is not scoped\n  policy:    terminate, statement Kill\n  actions:   ec2:TerminateInstances\n  resources: *\n",
			"policies/stop.json:1:38: IAM-EC2-7 [medium]",
			"2 findings (1 high, 1 medium) in 3 policies, 0 principals"}, nil, false, false},

		{"bad --format", []string{"policies", "--format", "xml"}, 2, nil, nil, []string{`unknown --format "xml" (want text, json, sarif)`}, false, true},
		{"bad --fail-on", []string{"policies", "--fail-on", "urgent"}, 2, nil, nil, []string{`iam check: unknown --fail-on "urgent" (want low, medium, high, critical or none)`}, false, true},
		{"unknown check", []string{"policies", "--check", "IAM-EC2-1,NOPE"}, 2, nil, nil, []string{"unknown check NOPE (see ec2guard iam checks)"}, false, true},
		{"no inputs", nil, 2, nil, nil, []string{"give policy files, folders or templates, or --live"}, false, true},
		{"missing path", []string{"policies", "nope.json"}, 2, nil, nil, []string{"reading nope.json"}, false, true},
		{"unreadable file in a folder", []string{"dangling"}, 2, nil, nil, []string{"reading dangling/p.json"}, false, true},
		{"named file that is no input", []string{"notes.yaml"}, 2, nil, nil, []string{"notes.yaml: not an IAM input (not a policy document"}, false, true},
		{"named event is no input", []string{"events/stopped.json"}, 2, nil, nil, []string{"events/stopped.json: not an IAM input"}, false, true},
		{"a folder of events is no input", []string{"events"}, 2, nil, nil, []string{
			"ec2guard: skipped events/pattern.json: not an IAM input\nec2guard: skipped events/stopped.json: not an IAM input\n" +
				"ec2guard: iam check: no IAM input in events: 2 files, none of them a policy document, an authorization details dump or a CloudFormation template\n"}, false, true},
		{"an empty folder is no input", []string{"empty"}, 2, nil, nil, []string{"iam check: no IAM input in empty: no .json, .yaml, .yml or .template file"}, false, true},
		{"a broken policy in a folder is a finding, a broken event is skipped", []string{"broken", "--format", "json"}, 1, []string{"IAM-POLICY-4"}, nil,
			[]string{"ec2guard: skipped broken/event.json: not an IAM input\n"}, false, false},
		{"skipped files are counted", []string{"policies", "--fail-on", "none"}, 0, nil, []string{"in 3 policies, 0 principals; 2 files skipped (not IAM inputs)\n"}, nil, false, false},
		{"missing config", []string{"policies", "--config", "nope.yaml"}, 2, nil, nil, []string{"reading the configuration"}, false, true},
		{"bad config: every problem with its position, one per line", []string{"policies", "--config", "broken.yaml"}, 2, nil, nil, []string{
			"\nbroken.yaml:2:1: unknown setting \"bogus\"", "\nbroken.yaml:1:17: approved AMI \"img-1\"", "\nbroken.yaml:4:14: unknown severity \"severe\""}, false, true},
		{"unknown flag", []string{"policies", "--fial-on", "low"}, 2, nil, nil, []string{"unknown flag: --fial-on"}, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", append([]string{"iam", "check"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout %s\nstderr %s", code, tc.code, out, errOut)
			}
			if tc.ids != nil {
				var r jsonReport
				if err := json.Unmarshal([]byte(out), &r); err != nil {
					t.Fatalf("JSON: %v\n%s", err, out)
				}
				if got := r.ids(); !slices.Equal(got, tc.ids) && !(len(got) == 0 && len(tc.ids) == 0) {
					t.Errorf("findings %v, want %v", got, tc.ids)
				}
			}
			for _, w := range tc.out {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.errOut {
				if !strings.Contains("\n"+errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if tc.noErr && errOut != "" {
				t.Errorf("stderr: %s", errOut)
			}
			if tc.noFinds && out != "" {
				t.Errorf("a failed run wrote a report: %s", out)
			}
			if strings.Contains(out, "\x1b") {
				t.Error("colours in output that is not a terminal")
			}
		})
	}
}

// Every format describes the same findings and parses as what it claims to be.
func TestIAMCheckFormats(t *testing.T) {
	iamFixtures(t)
	run := func(format string) string {
		t.Helper()
		code, out, errOut := runCLI(t, "", "iam", "check", "policies", "bad.json", "--format", format)
		if code != 1 {
			t.Fatalf("%s: exit %d\n%s", format, code, errOut)
		}
		return out
	}
	var j jsonReport
	if err := json.Unmarshal([]byte(run("json")), &j); err != nil {
		t.Fatal(err)
	}
	if want := []string{"IAM-EC2-1", "IAM-POLICY-4", "IAM-EC2-7"}; !slices.Equal(j.ids(), want) {
		t.Fatalf("JSON findings %v, want %v", j.ids(), want)
	}
	f := j.Findings[0]
	if f.Policy != "terminate" || f.Statement != "Kill" || !slices.Equal(f.Actions, []string{"ec2:TerminateInstances"}) ||
		!slices.Equal(f.Resources, []string{"*"}) || f.Location.File != filepath.Join("policies", "terminate.json") ||
		f.Location.Line != 1 || f.Location.Column != 38 || f.Severity != "high" || f.Title == "" || f.Message == "" {
		t.Errorf("JSON finding %+v", f)
	}
	if j.Summary.Findings != 3 || j.Summary.Policies != 4 || j.Summary.BySeverity["high"] != 2 || j.Summary.ByCheck["IAM-EC2-7"] != 1 || j.Summary.Catalog == "" {
		t.Errorf("summary %+v", j.Summary)
	}

	var s struct {
		Version string
		Runs    []struct {
			Tool    struct{ Driver struct{ Name string } }
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine, StartColumn int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(run("sarif")), &s); err != nil {
		t.Fatal(err)
	}
	if s.Version != "2.1.0" || len(s.Runs) != 1 || s.Runs[0].Tool.Driver.Name != "ec2guard" || len(s.Runs[0].Results) != len(j.Findings) {
		t.Fatalf("SARIF %+v", s)
	}
	for i, r := range s.Runs[0].Results {
		pl := r.Locations[0].PhysicalLocation
		if r.RuleID != j.Findings[i].ID || pl.ArtifactLocation.URI != filepath.ToSlash(j.Findings[i].Location.File) || pl.Region.StartLine != j.Findings[i].Location.Line {
			t.Errorf("SARIF result %d %+v, JSON %+v", i, r, j.Findings[i])
		}
	}

	text := run("text")
	for _, fd := range j.Findings {
		head := fd.Location.File + ":" + strconv.Itoa(fd.Location.Line) + ":" + strconv.Itoa(fd.Location.Column) + ": " + fd.ID + " [" + fd.Severity + "] " + fd.Title + "\n"
		if !strings.Contains(text, head) {
			t.Errorf("text lacks %q:\n%s", head, text)
		}
	}
}

// The shared corpus: authorization-details dumps are analysed per principal, and findings
// name the principal in every format.
func TestIAMCheckCorpus(t *testing.T) {
	authz := testshared.Path(t, "corpus", "iam", "authz")
	code, out, errOut := runCLI(t, "", "iam", "check", authz, "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (the corpus grants unscoped termination)\n%s", code, errOut)
	}
	var r jsonReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Summary.Principals == 0 || len(r.Findings) == 0 {
		t.Fatalf("summary %+v", r.Summary)
	}
	principals := 0
	for _, f := range r.Findings {
		if f.Principal != "" {
			principals++
			if !strings.HasPrefix(f.Principal, "arn:aws:iam::") || f.Policy == "" || f.Statement == "" || len(f.Actions) == 0 || f.Location.Line == 0 {
				t.Errorf("principal finding %+v", f)
			}
		}
	}
	if principals == 0 {
		t.Error("no finding names a principal")
	}
	code, text, _ := runCLI(t, "", "iam", "check", authz, "--fail-on", "none")
	if code != 0 || !strings.Contains(text, "  principal: arn:aws:iam::") {
		t.Errorf("text (exit %d) names no principal:\n%.2000s", code, text)
	}
}

// --live reads the account through the SDK (moto here): its findings have no file, which
// SARIF cannot place, and iam check says so.
func TestIAMCheckLive(t *testing.T) {
	f := mototest.NewFleet(t) // a clean moto, and the SDK configuration for it
	ctx, client := f.Ctx, iam.NewFromConfig(f.Cfg)
	if _, err := client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("reaper")}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("reaper"), PolicyName: aws.String("kill"),
		PolicyDocument: aws.String(iamPolicy(`{"Sid":"Kill","Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*"}`))}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "iam", "check", "--live", "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var r jsonReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || r.Findings[0].ID != "IAM-EC2-1" || !strings.HasSuffix(r.Findings[0].Principal, ":user/reaper") ||
		r.Findings[0].Policy != "user/reaper:kill" || r.Findings[0].Statement != "Kill" || r.Findings[0].Location.File != "" {
		t.Errorf("live findings %+v", r.Findings)
	}
	if errOut != "" {
		t.Errorf("stderr %s", errOut)
	}
	code, out, errOut = runCLI(t, "", "iam", "check", "--live", "--format", "sarif")
	if code != 1 || !strings.Contains(errOut, "GitHub code scanning rejects") || !strings.Contains(out, `"logicalLocations"`) {
		t.Errorf("SARIF of the live account: exit %d\nstderr %s", code, errOut)
	}
	if code, out, _ := runCLI(t, "", "iam", "check", "--live", "--fail-on", "none"); code != 0 || !strings.Contains(out, "(live): IAM-EC2-1 [high]") {
		t.Errorf("text of the live account: exit %d\n%s", code, out)
	}
}

func TestIAMChecks(t *testing.T) {
	all := checks.All()
	code, out, _ := runCLI(t, "", "iam", "checks")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || len(lines) != len(all)+1 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	// Aligned columns: each header word starts where its values start.
	sevCol := strings.Index(lines[0], "SEVERITY")
	for i, c := range all {
		l := lines[i+1]
		if !strings.HasPrefix(l, c.ID+" ") || l[sevCol:sevCol+len(c.Severity.String())] != c.Severity.String() || !strings.HasSuffix(l, c.Title) {
			t.Errorf("row %q for %s", l, c.ID)
		}
	}

	code, out, _ = runCLI(t, "", "iam", "checks", "--format", "json")
	var j struct {
		Checks []struct {
			ID, Title, Severity, Scope, Rationale, Remediation string
			References, Actions                                []string
			Good                                               []checks.Example `json:"good_examples"`
			Bad                                                []checks.Example `json:"bad_examples"`
		}
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil || code != 0 || len(j.Checks) != len(all) {
		t.Fatalf("exit %d, %v\n%s", code, err, out)
	}
	for i, c := range j.Checks {
		if c.ID != all[i].ID || c.Severity != all[i].Severity.String() || c.Rationale == "" || c.Remediation == "" || len(c.References) == 0 || len(c.Good) == 0 || len(c.Bad) == 0 {
			t.Errorf("check %+v", c)
		}
	}

	code, out, _ = runCLI(t, "", "iam", "checks", "--format", "markdown")
	docs, err := os.ReadFile(filepath.Join("..", "docs", "checks.md"))
	if err != nil || code != 0 || !bytes.Equal([]byte(out), docs) {
		t.Errorf("markdown (exit %d) is not docs/checks.md (%v)", code, err)
	}

	if code, _, errOut := runCLI(t, "", "iam", "checks", "--format", "xml"); code != 2 || !strings.Contains(errOut, `unknown --format "xml"`) {
		t.Errorf("bad format: exit %d %s", code, errOut)
	}
	if code, _, _ := runCLI(t, "", "iam", "checks", "extra"); code != 2 {
		t.Errorf("argument accepted: exit %d", code)
	}
}

// The README's example: examples/iam-guardrails.yaml over examples/iam/. Each setting
// changes the findings: provisioning principals may change networks and security groups,
// an unapproved AMI owner is reported, a severity is raised, a principal is excluded.
func TestIAMCheckExampleConfig(t *testing.T) {
	dir := filepath.Join("..", "examples")
	brief := func(out string) []string {
		t.Helper()
		var r jsonReport
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var got []string
		for _, f := range r.Findings {
			got = append(got, f.ID+" "+f.Principal+" "+f.Severity)
		}
		return got
	}
	code, out, errOut := runCLI(t, "", "iam", "check", filepath.Join(dir, "iam"), "--format", "json")
	if code != 1 || errOut != "" {
		t.Fatalf("without configuration: exit %d\n%s", code, errOut)
	}
	want := []string{
		"IAM-EC2-1 BreakGlassRole high", "IAM-EC2-3 BreakGlassRole high", "IAM-EC2-3 ProvisioningRole high",
		"IAM-EC2-5 BreakGlassRole high", "IAM-EC2-5 ProvisioningRole high", "IAM-EC2-8 BreakGlassRole high",
		"IAM-EC2-2  medium", // bob.json, the seed's policy on its own (iam simulate's example)
		"IAM-EC2-2 BreakGlassRole medium", "IAM-EC2-2 DeveloperRole medium", "IAM-EC2-4 BreakGlassRole medium",
		"IAM-EC2-7 BreakGlassRole medium", "IAM-EC2-7 OperatorsRole medium",
	}
	if got := brief(out); !slices.Equal(got, want) {
		t.Errorf("without configuration:\n got %q\nwant %q", got, want)
	}
	args := []string{"iam", "check", filepath.Join(dir, "iam"), "--config", filepath.Join(dir, "iam-guardrails.yaml")}
	code, out, errOut = runCLI(t, "", append(args, "--format", "json")...)
	if code != 1 || errOut != "" {
		t.Fatalf("with the configuration: exit %d\n%s", code, errOut)
	}
	want = []string{"IAM-EC2-7 OperatorsRole high", "IAM-EC2-2  medium", "IAM-EC2-2 BuilderRole medium", "IAM-EC2-2 DeveloperRole medium"}
	if got := brief(out); !slices.Equal(got, want) {
		t.Errorf("with the configuration:\n got %q\nwant %q", got, want)
	}
	if code, out, _ := runCLI(t, "", args...); code != 1 || !strings.HasSuffix(out, "4 findings (1 high, 3 medium) in 6 policies, 5 principals; 7 excluded by the configuration\n") {
		t.Errorf("text: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "", append(args, "--fail-on", "critical")...); code != 0 {
		t.Errorf("--fail-on critical: exit %d", code)
	}
}

// Colours only on a terminal: never on a pipe or a buffer, never with NO_COLOR or TERM=dumb.
func TestColorOut(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "xterm")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if colorOut(w) || colorOut(&bytes.Buffer{}) {
		t.Error("colours on a pipe or a buffer")
	}
	// A character device stands in for a terminal.
	dev, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if !colorOut(dev) {
		t.Error("no colours on a character device")
	}
	t.Setenv("TERM", "dumb")
	if colorOut(dev) {
		t.Error("colours with TERM=dumb")
	}
	t.Setenv("TERM", "xterm")
	t.Setenv("NO_COLOR", "1")
	if colorOut(dev) {
		t.Error("colours with NO_COLOR")
	}
}
