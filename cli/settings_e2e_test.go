package cli

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
)

// settingsControls are the controls examples/settings.yaml fixes.
const settingsControls = "EC2.8,EC2.170,EC2G-IMDS-3,EC2.1,EC2G-PUB-2,EC2.7,EC2.182,EC2G-PUB-4"

// From scan to enforce with examples/settings.yaml, on moto through the real SDK (the
// account settings moto lacks on mototest.AccountSettings): scan --controls finds each
// control's failing example; scan -r in dry run says what each action would change and the
// Describe outputs stay as they were; enforced, each action fixes its resource, after which
// scan --controls passes them all, and a scan again finds nothing to do.
func TestSettingsFromScanToEnforce(t *testing.T) {
	w := newWorld(t)
	m := w.Mixed()
	mototest.NewAccountSettings(t)
	account := mototest.AccountID
	failing := map[string]string{ // control → the resource that fails it
		"EC2G-IMDS-1": m.IMDSv1, "EC2G-IMDS-2": m.Template, "EC2G-IMDS-3": account, "EC2G-PUB-1": m.PublicSnapshot,
		"EC2G-PUB-2": m.Image, "EC2G-ENC-2": account, "EC2G-PUB-3": account, "EC2G-PUB-4": account,
	}
	scanControls := func() map[string]controls.Record {
		return controlRecords(t, settingsControls, "--aws-max-backoff", "1ms")
	}
	for ctrl, id := range failing {
		if rec := scanControls()[ctrl+" "+id]; rec.Status != controls.Fail {
			t.Fatalf("%s on %s before: %+v, want fail", ctrl, id, rec)
		}
	}

	// what each action acts on, as read before and after (the Describe outputs)
	refs := []resource.Ref{{Kind: resource.Instance, ID: m.IMDSv1}, {Kind: resource.LaunchTemplate, ID: m.Template},
		{Kind: resource.Snapshot, ID: m.PublicSnapshot}, {Kind: resource.Image, ID: m.Image}, {Kind: resource.Account, ID: account}}
	c := awsapi.New()
	c.MaxBackoff = 1
	read := func() map[string]map[string]any {
		t.Helper()
		out := map[string]map[string]any{}
		for _, ref := range refs {
			ref.Place = resource.Place{Region: mototest.Region}
			r, err := c.Get(context.Background(), ref, resource.NeedDescribe|resource.NeedPermissions)
			if err != nil {
				t.Fatal(err)
			}
			out[ref.String()] = r.Attrs
		}
		return out
	}
	example := filepath.Join("..", "examples", "settings.yaml")
	src, err := os.ReadFile(example)
	if err != nil {
		t.Fatal(err)
	}
	scanRules := func(file string) map[string]engine.Decision {
		// the account is one resource to the loop budget: its four settings' actions need 4
		return actedOn(t, file, "--loop-budget", "4", "--aws-max-backoff", "1ms")
	}
	// the rules of the example, by the failing resource of each
	byRule := map[string]string{"EC2.8": m.IMDSv1, "EC2.170": m.Template, "EC2G-IMDS-3": account, "EC2.1": m.PublicSnapshot,
		"EC2G-PUB-2": m.Image, "EC2.7": account, "EC2.182": account, "EC2G-PUB-4": account}

	before := read()
	dry := scanRules(example)
	for rule, id := range byRule {
		if d := dry[rule+" "+id]; d.Outcome != engine.DryRun || !strings.Contains(d.Reason, "→") {
			t.Errorf("dry run of %s on %s: %+v", rule, id, d)
		}
	}
	if after := read(); !reflect.DeepEqual(after, before) {
		t.Fatalf("the dry run changed moto:\n%v\n%v", before, after)
	}

	enforced := writeFile(t, t.TempDir(), "settings.yaml", strings.ReplaceAll(string(src), "    actions:", "    mode: enforce\n    actions:"))
	done := scanRules(enforced)
	for rule, id := range byRule {
		if d := done[rule+" "+id]; d.Outcome != engine.Applied {
			t.Errorf("%s on %s: %+v", rule, id, d)
		}
	}
	t.Logf("%s: %s", done["EC2.170 "+m.Template].Action, done["EC2.170 "+m.Template].Reason)
	after := scanControls()
	for ctrl, id := range failing {
		if rec := after[ctrl+" "+id]; rec.Status != controls.Pass {
			t.Errorf("%s on %s after: %+v, want pass", ctrl, id, rec)
		}
	}
	for key, rec := range after {
		if rec.Status == controls.Fail || rec.Status == controls.Error {
			t.Errorf("after: %s %s %s", key, rec.Status, rec.Reason)
		}
	}
	if again := scanRules(enforced); len(again) != 0 {
		t.Errorf("a scan after the fix acts: %v", again)
	}
}

// deploy template of examples/settings.yaml: cfn-lint accepts it, and iam check of its role
// finds nothing; the role has the actions' calls and no other write.
func TestSettingsDeploy(t *testing.T) {
	example := filepath.Join("..", "examples", "settings.yaml")
	file := deployLintCheck(t, example, "", "ec2:ModifyInstanceMetadataOptions", "ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate", "ec2:ModifyInstanceMetadataDefaults",
		"ec2:ModifySnapshotAttribute", "ec2:ModifyImageAttribute", "ec2:EnableEbsEncryptionByDefault", "ec2:EnableSnapshotBlockPublicAccess", "ec2:EnableImageBlockPublicAccess",
		"launch-template/*", "ec2:Public")
	// a member account's role acts in the member account: the account-level calls are its
	if code, _, errOut := runCLI(t, "", "deploy", "template", "-r", example, "--org", "--member", "-o", file); code != 0 {
		t.Fatalf("deploy template --member: exit %d: %s", code, errOut)
	}
	if b, _ := os.ReadFile(file); !strings.Contains(string(b), "ec2:EnableEbsEncryptionByDefault") {
		t.Errorf("the member role lacks the account's calls")
	}
}

// A `- control: EC2.8` entry with require-imdsv2 acts through handle on the calls that can
// make an instance fail: RunInstances and ModifyInstanceMetadataOptions, on the instance as it
// is now (one that requires tokens already is skipped, whatever the event says).
func TestSettingsHandle(t *testing.T) {
	w := newWorld(t)
	ctx, cl := w.Ctx, w.EC2
	rulesFile := writeFile(t, t.TempDir(), "r.yaml", "rules:\n  - control: EC2.8\n    mode: enforce\n    actions: [require-imdsv2]\n")
	launched := w.Run(nil, false) // moto's default: HttpTokens optional
	modified := w.Run(nil, false)
	fine := w.Run(nil, false)
	for _, id := range []string{modified, fine} {
		tokens := ec2types.HttpTokensStateRequired
		if id == modified {
			tokens = ec2types.HttpTokensStateOptional
		}
		if _, err := cl.ModifyInstanceMetadataOptions(ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(id), HttpTokens: tokens}); err != nil {
			t.Fatal(err)
		}
	}
	run := callEvent(t, "e-run", "RunInstances", map[string]any{"instanceType": "t3.micro"},
		map[string]any{"reservationId": "r-1", "instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": launched}}}})
	modify := func(id, eid string) string {
		return callEvent(t, eid, "ModifyInstanceMetadataOptions",
			map[string]any{"ModifyInstanceMetadataOptionsRequest": map[string]any{"InstanceId": id, "HttpTokens": "optional"}},
			map[string]any{"ModifyInstanceMetadataOptionsResponse": map[string]any{"instanceId": id, "instanceMetadataOptions": map[string]any{"httpTokens": "optional", "state": "pending"}}})
	}
	code, out, errOut := runCLI(t, strings.Join([]string{run, modify(modified, "e-mod"), modify(fine, "e-fine")}, "\n"), "handle", "-r", rulesFile, "--no-state", "--aws-max-backoff", "20ms")
	if code != 0 {
		t.Fatalf("handle: exit %d\n%s\n%s", code, out, errOut)
	}
	got := map[string]engine.Decision{}
	for _, d := range decisions(t, out) {
		got[d.Resource] = d
	}
	for _, id := range []string{launched, modified} {
		if d := got[id]; d.Outcome != engine.Applied || d.Action != "require-imdsv2" || !strings.Contains(d.Reason, "HttpTokens optional → required") {
			t.Errorf("%s: %+v", id, d)
		}
	}
	if d, ok := got[fine]; ok && d.Outcome == engine.Applied {
		t.Errorf("an instance that requires tokens was acted on: %+v", d)
	}
	for id, want := range map[string]ec2types.HttpTokensState{launched: "required", modified: "required", fine: "required"} {
		out, err := cl.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		if got := out.Reservations[0].Instances[0].MetadataOptions.HttpTokens; got != want {
			t.Errorf("%s: HttpTokens %s", id, got)
		}
	}
}

// deployLintCheck writes the deploy template of a rule file, holds it to cfn-lint and to iam
// check (nothing found; with the configuration file iamConfig unless ""), checks that it
// contains each of want, and returns its path.
func deployLintCheck(t *testing.T, rules, iamConfig string, want ...string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "template.yaml")
	if code, _, errOut := runCLI(t, "", "deploy", "template", "-r", rules, "-o", file); code != 0 {
		t.Fatalf("deploy template: exit %d: %s", code, errOut)
	}
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatal("cfn-lint is not installed (pip install cfn-lint)")
	}
	if out, err := exec.Command(lint, file).CombinedOutput(); err != nil {
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
	args := []string{"iam", "check", file}
	if iamConfig != "" {
		args = append(args, "--config", iamConfig)
	}
	if code, out, errOut := runCLI(t, "", args...); code != 0 {
		t.Errorf("iam check: exit %d\n%s\n%s", code, out, errOut)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !strings.Contains(string(b), w) {
			t.Errorf("the template lacks %s", w)
		}
	}
	return file
}

// iamFindsOnly holds iam check of a template, without a configuration, to one finding: of
// check (what the configuration given to deployLintCheck acknowledges).
func iamFindsOnly(t *testing.T, file, check string) {
	t.Helper()
	code, out, _ := runCLI(t, "", "iam", "check", file, "--format", "json")
	var report struct {
		Summary struct {
			Findings int
			ByCheck  map[string]int `json:"by_check"`
		}
	}
	if code != 1 || json.Unmarshal([]byte(out), &report) != nil || report.Summary.Findings == 0 || report.Summary.ByCheck[check] != report.Summary.Findings {
		t.Errorf("iam check without the configuration: exit %d, want %s alone:\n%s", code, check, out)
	}
}

// controlRecords runs scan --controls over moto's region and returns its records by control
// and resource ("EC2G-NET-2 sg-1").
func controlRecords(t *testing.T, ids string, flags ...string) map[string]controls.Record {
	t.Helper()
	code, out, errOut := runCLI(t, "", append([]string{"scan", "--controls", ids, "--region", mototest.Region}, flags...)...)
	if code != 0 {
		t.Fatalf("scan --controls: exit %d: %s", code, errOut)
	}
	got := map[string]controls.Record{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec controls.Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		got[rec.Control+" "+rec.Resource] = rec
	}
	return got
}

// actedOn runs scan -r over moto's region with no state and returns the decisions that name
// an action, by rule and resource ("EC2.13 sg-1").
func actedOn(t *testing.T, file string, flags ...string) map[string]engine.Decision {
	t.Helper()
	code, out, errOut := runCLI(t, "", append([]string{"scan", "-r", file, "--region", mototest.Region, "--no-state"}, flags...)...)
	if code != 0 {
		t.Fatalf("scan -r: exit %d: %s\n%s", code, errOut, out)
	}
	got := map[string]engine.Decision{}
	for _, d := range decisions(t, out) {
		if d.Action != "" {
			got[d.Rule+" "+d.Resource] = d
		}
	}
	return got
}
