package report

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/iam/analyze"
	"github.com/ec2guard/ec2guard/iam/catalog"
	"github.com/ec2guard/ec2guard/iam/checks"
	"github.com/ec2guard/ec2guard/internal/npmtest"
	"github.com/ec2guard/ec2guard/internal/testshared"
)

// The SARIF logs are validated by tools independent of this code, installed from npm at
// test time (testdata/package.json pins them):
//   - ajv checks them against the official SARIF 2.1.0 JSON schema, sarif-2.1.0.json as the
//     SARIF SDK (Microsoft's reference implementation of the standard) ships it in
//     @microsoft/sarif-multitool-linux;
//   - that package's multitool runs its own schema validation and its rule sets "Sarif" (the
//     standard's should/must rules) and "Ghas" (what GitHub code scanning requires to ingest
//     a log: locations, regions, relative URIs, rule metadata...).

// sarifTools installs the validators and returns NODE_PATH and the multitool's folder.
func sarifTools(t *testing.T) (nodePath, multitool string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct{ Dependencies map[string]string }
	if err := json.Unmarshal(src, &pkg); err != nil {
		t.Fatal(err)
	}
	var specs []string
	for name, version := range pkg.Dependencies {
		specs = append(specs, name+"@"+version)
	}
	sort.Strings(specs)
	nodePath = npmtest.Install(t, "ec2guard-npm-sarif", specs...)
	multitool = filepath.Join(nodePath, "@microsoft", "sarif-multitool-linux")
	// npm may have been told to skip install scripts, the package's chmod among them.
	if err := os.Chmod(filepath.Join(multitool, "Sarif.Multitool"), 0o755); err != nil {
		t.Fatal(err)
	}
	return nodePath, multitool
}

// corpusResult runs every check over the authorization-details corpus and the AWS managed
// policies, with paths relative to the corpus folder as a repository's CI would give them.
func corpusResult(t *testing.T) *analyze.Result {
	t.Helper()
	t.Chdir(testshared.Path(t, "corpus", "iam"))
	inv, err := analyze.Load([]string{"authz", "aws-managed"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := analyze.Run(&checks.Env{Catalog: catalog.MustLoad()}, nil, inv, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSARIFValidates(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the SARIF validators from npm")
	}
	nodePath, multitool := sarifTools(t)
	script, err := filepath.Abs(filepath.Join("testdata", "sarifschema.js"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The sample's live finding has only a logical location: valid SARIF, and the multitool
	// does not object, but code scanning does (iam check warns about it).
	logs := map[string]*analyze.Result{"sample.sarif": sample(t), "empty.sarif": {}, "corpus.sarif": corpusResult(t)}
	var files []string
	for name, res := range logs {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, render(t, "sarif", res, Options{Version: "1.2.3"}), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	sort.Strings(files)
	if n := len(logs["corpus.sarif"].Findings); n < 100 {
		t.Fatalf("the corpus gave %d findings: too few to exercise the log", n)
	}

	// The schema, with ajv.
	cmd := exec.Command("node", append([]string{script, filepath.Join(multitool, "sarif-2.1.0.json")}, files...)...)
	cmd.Env = append(os.Environ(), "NODE_PATH="+nodePath)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("ajv: the logs do not validate against the SARIF 2.1.0 schema: %v\n%s", err, out)
	}

	// The ingestion rules, with the SARIF SDK's multitool. It passes a log it cannot read
	// without a word (an unknown columnKind, say), so it is the schema's second opinion
	// only; a control log missing a rule's help shows that its GitHub rules run.
	for _, f := range files {
		for _, problem := range multitoolProblems(t, multitool, f) {
			t.Errorf("%s: %s", filepath.Base(f), problem)
		}
	}
	var control map[string]any
	if err := json.Unmarshal(render(t, "sarif", sample(t), Options{}), &control); err != nil {
		t.Fatal(err)
	}
	driver := control["runs"].([]any)[0].(map[string]any)["tool"].(map[string]any)["driver"].(map[string]any)
	delete(driver["rules"].([]any)[0].(map[string]any), "help")
	src, _ := json.Marshal(control)
	bad := filepath.Join(dir, "control.sarif")
	if err := os.WriteFile(bad, src, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(multitoolProblems(t, multitool, bad), "\n"); !strings.Contains(got, "GH2012") || !strings.Contains(got, "Error_MissingHelp") {
		t.Errorf("the multitool let a rule without help pass: %q", got)
	}
}

// multitoolProblems runs the multitool's validation (rule sets Sarif and Ghas) on a log and
// returns what it reports, warnings included.
func multitoolProblems(t *testing.T, multitool, log string) []string {
	t.Helper()
	out := log + ".validation"
	cmd := exec.Command(filepath.Join(multitool, "Sarif.Multitool"), "validate", "--rule-kind", "Sarif;Ghas", "-o", out, log)
	// No ICU on a slim machine: the multitool needs no culture data for this.
	cmd.Env = append(os.Environ(), "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1", "DOTNET_CLI_TELEMETRY_OPTOUT=1")
	console, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("multitool validate %s: %v\n%s", log, err, console)
	}
	var v struct {
		Runs []struct {
			Results []struct {
				RuleID  string `json:"ruleId"`
				Level   string
				Message struct {
					ID        string
					Arguments []string
				}
			}
		}
	}
	src, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("multitool wrote no log for %s: %v\n%s", log, err, console)
	}
	if err := json.Unmarshal(src, &v); err != nil || len(v.Runs) == 0 {
		t.Fatalf("multitool log of %s: %v", log, err)
	}
	var problems []string
	for _, r := range v.Runs[0].Results {
		problems = append(problems, fmt.Sprintf("%s %s %s: %s", r.Level, r.RuleID, r.Message.ID, strings.Join(r.Message.Arguments, "; ")))
	}
	return problems
}
