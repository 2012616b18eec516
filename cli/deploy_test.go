package cli

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDeployTemplateCommand(t *testing.T) {
	seeds := filepath.Join("..", "examples", "seeds.yaml")
	topic := "topic=arn:aws:sns:us-east-1:123456789012:ops"
	code, out, errOut := runCLI(t, "", "deploy", "template", "-r", seeds, "--var", topic)
	if code != 0 || !strings.HasPrefix(out, "AWSTemplateFormatVersion: \"2010-09-09\"") || !strings.Contains(out, "AWS::Lambda::Function") {
		t.Fatalf("exit %d\n%s\n%s", code, errOut, out)
	}
	code, out, errOut = runCLI(t, "", "deploy", "template", "-r", seeds, "--var", topic, "--org", "--member", "--format", "json")
	var tmpl struct {
		Resources map[string]struct{ Type string }
	}
	if code != 0 || json.Unmarshal([]byte(out), &tmpl) != nil || tmpl.Resources["RemediationRole"].Type != "AWS::IAM::Role" {
		t.Fatalf("member template: exit %d\n%s\n%s", code, errOut, out)
	}
	file := filepath.Join(t.TempDir(), "central.yaml")
	if code, _, errOut := runCLI(t, "", "deploy", "template", "-r", seeds, "--var", topic, "--org", "-o", file); code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if b, err := os.ReadFile(file); err != nil || !strings.Contains(string(b), "OrganizationId") {
		t.Fatalf("central template file: %v", err)
	}
	for name, args := range map[string][]string{
		"member without org": {"deploy", "template", "-r", seeds, "--var", topic, "--member"},
		"bad format":         {"deploy", "template", "-r", seeds, "--var", topic, "--format", "xml"},
		"unset variable":     {"deploy", "template", "-r", seeds},
		"no rules":           {"deploy", "template"},
	} {
		if code, _, errOut := runCLI(t, "", args...); code != ExitUsage {
			t.Errorf("%s: exit %d\n%s", name, code, errOut)
		}
	}
	if _, _, errOut := runCLI(t, "", "deploy", "template", "-r", seeds); !strings.Contains(errOut, "seeds.yaml:") {
		t.Errorf("an unset variable is not reported at its place: %s", errOut)
	}
}

func TestDeployPackageCommand(t *testing.T) {
	seeds := filepath.Join("..", "examples", "seeds.yaml")
	topic := "topic=arn:aws:sns:us-east-1:123456789012:ops"
	zipFile := filepath.Join(t.TempDir(), "ec2guard.zip")
	code, _, errOut := runCLI(t, "", "deploy", "package", "-r", seeds, "--var", topic, "-o", zipFile)
	if code != 0 || !strings.Contains(errOut, "Architecture=") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	zr, err := zip.OpenReader(zipFile)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if strings.Join(names, ",") != "bootstrap,rules.yaml" {
		t.Fatalf("entries %v", names)
	}
	notBinary := filepath.Join(t.TempDir(), "script.sh")
	if err := os.WriteFile(notBinary, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	readme := filepath.Join("..", "README.md")
	if code, _, errOut := runCLI(t, "", "deploy", "package", "-r", seeds, "--var", topic, "--binary", readme, "-o", zipFile); code != ExitUsage ||
		!strings.Contains(errOut, "deploy package: "+readme+" is not a Linux executable (ELF): build the function's with GOOS=linux GOARCH=arm64 make build") {
		t.Errorf("--binary README.md: exit %d\n%s", code, errOut)
	}
	for name, args := range map[string][]string{
		"no output":      {"deploy", "package", "-r", seeds, "--var", topic},
		"not a binary":   {"deploy", "package", "-r", seeds, "--var", topic, "--binary", notBinary, "-o", zipFile},
		"missing binary": {"deploy", "package", "-r", seeds, "--var", topic, "--binary", notBinary + ".gone", "-o", zipFile},
	} {
		if code, _, errOut := runCLI(t, "", args...); code != ExitUsage {
			t.Errorf("%s: exit %d\n%s", name, code, errOut)
		}
	}
}

func TestDeployPolicyCommand(t *testing.T) {
	seeds := filepath.Join("..", "examples", "seeds.yaml")
	code, out, errOut := runCLI(t, "", "deploy", "policy", "-r", seeds, "--var", "topic=arn:aws:sns:us-east-1:123456789012:ops", "--account", "123456789012", "--region", "us-east-1")
	var doc struct {
		Version   string
		Statement []map[string]any
	}
	if code != 0 || json.Unmarshal([]byte(out), &doc) != nil || doc.Version != "2012-10-17" || len(doc.Statement) < 4 {
		t.Fatalf("exit %d\n%s\n%s", code, errOut, out)
	}
	if !strings.HasPrefix(strings.TrimSpace(out), "{\n  \"Version\"") {
		t.Errorf("Version is not first:\n%s", out)
	}
	if code, _, errOut := runCLI(t, "", "deploy", "policy", "-r", seeds, "--var", "topic=arn:aws:sns:us-east-1:123456789012:ops", "--assume-role", "ec2guard-remediation"); code != ExitUsage || !strings.Contains(errOut, "needs the Organization") {
		t.Errorf("--assume-role without --org-id: exit %d\n%s", code, errOut)
	}
	code, out, errOut = runCLI(t, "", "deploy", "policy", "-r", seeds, "--var", "topic=arn:aws:sns:us-east-1:123456789012:ops", "--assume-role", "ec2guard-remediation", "--org-id", "o-abcdefghij")
	if code != 0 || !strings.Contains(out, `"aws:ResourceOrgID": "o-abcdefghij"`) {
		t.Errorf("--assume-role --org-id: exit %d\n%s\n%s", code, errOut, out)
	}
	if code, _, errOut := runCLI(t, "", "deploy", "policy", "-r", seeds); code != ExitUsage {
		t.Errorf("unset variable: exit %d\n%s", code, errOut)
	}
}

// deploy policy --queue gives serve what it does with its queue, named by its URL or ARN.
func TestDeployPolicyForServe(t *testing.T) {
	seeds := filepath.Join("..", "examples", "seeds.yaml")
	topic := "topic=arn:aws:sns:eu-west-1:111122223333:ops"
	for _, q := range []string{"https://sqs.eu-west-1.amazonaws.com/111122223333/ec2guard", "arn:aws:sqs:eu-west-1:111122223333:ec2guard"} {
		code, out, errOut := runCLI(t, "", "deploy", "policy", "-r", seeds, "--var", topic, "--account", "111122223333", "--region", "eu-west-1", "--queue", q)
		var doc struct{ Statement []map[string]any }
		if code != 0 || json.Unmarshal([]byte(out), &doc) != nil {
			t.Fatalf("--queue %s: exit %d\n%s\n%s", q, code, errOut, out)
		}
		var got map[string]any
		for _, st := range doc.Statement {
			if st["Sid"] == "ConsumeQueue" {
				got = st
			}
		}
		b, _ := json.Marshal(got)
		if want := `{"Action":["sqs:ChangeMessageVisibility","sqs:DeleteMessage","sqs:GetQueueAttributes","sqs:ReceiveMessage"],"Effect":"Allow","Resource":"arn:aws:sqs:eu-west-1:111122223333:ec2guard","Sid":"ConsumeQueue"}`; string(b) != want {
			t.Errorf("--queue %s: statement %s, want %s", q, b, want)
		}
	}
	for q, want := range map[string]string{
		"not a url": `deploy policy: --queue: "not a url" is not an SQS queue URL`,
		"https://sqs.eu-west-1.amazonaws.com/222233334444/ec2guard": "is in account 222233334444, not --account 111122223333",
	} {
		code, _, errOut := runCLI(t, "", "deploy", "policy", "-r", seeds, "--var", topic, "--account", "111122223333", "--queue", q)
		if code != ExitUsage || !strings.Contains(errOut, want) {
			t.Errorf("--queue %s: exit %d, want 2 saying %q:\n%s", q, code, want, errOut)
		}
	}
}

// Every variable the template gives the function is one the lambda command reads (its help
// names each): the two sides cannot drift apart unnoticed.
func TestTemplateEnvironmentIsWhatLambdaReads(t *testing.T) {
	seeds := filepath.Join("..", "examples", "seeds.yaml")
	code, out, errOut := runCLI(t, "", "deploy", "template", "-r", seeds, "--var", "topic=arn:aws:sns:us-east-1:123456789012:ops", "--org", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var tmpl struct {
		Resources map[string]struct {
			Properties struct {
				Environment struct{ Variables map[string]any }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &tmpl); err != nil {
		t.Fatal(err)
	}
	env := tmpl.Resources["Function"].Properties.Environment.Variables
	if len(env) < 5 {
		t.Fatalf("function environment %v", env)
	}
	_, help, _ := runCLI(t, "", "lambda", "--help")
	for k := range env {
		name := k
		if strings.HasPrefix(k, "EC2GUARD_VAR_") {
			name = "EC2GUARD_VAR_NAME"
		}
		if !strings.Contains(help, name) {
			t.Errorf("the template sets %s, which ec2guard lambda --help does not name", k)
		}
	}
}

// iam simulate of the role deploy policy writes for the seeds: CreateTags of PrincipalId is
// allowed where the resource has none, denied where it has one (IAM refuses the overwrite,
// atomically), denied for another key and for two keys in one call.
func TestDeployPolicySimulated(t *testing.T) {
	seeds := filepath.Join("..", "examples", "seeds.yaml")
	code, out, errOut := runCLI(t, "", "deploy", "policy", "-r", seeds, "--var", "topic=arn:aws:sns:us-east-1:123456789012:ops", "--account", "123456789012", "--region", "us-east-1")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	role := filepath.Join(t.TempDir(), "role.json")
	if err := os.WriteFile(role, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		contexts []string
		want     string
	}{
		{"PrincipalId where there is none", []string{"aws:TagKeys=PrincipalId"}, "allowed"},
		{"PrincipalId where there is one", []string{"aws:TagKeys=PrincipalId", "ec2:ResourceTag/PrincipalId=AIDAALICE"}, "implicit-deny"},
		{"Owner where PrincipalId is", []string{"aws:TagKeys=Owner", "ec2:ResourceTag/PrincipalId=AIDAALICE"}, "allowed"},
		{"Owner where there is one", []string{"aws:TagKeys=Owner", "ec2:ResourceTag/Owner=alice"}, "implicit-deny"},
		{"another key", []string{"aws:TagKeys=Protected"}, "implicit-deny"},
		{"two keys at once", []string{"aws:TagKeys=Owner", "aws:TagKeys=PrincipalId"}, "implicit-deny"},
		{"no key", nil, "implicit-deny"},
	} {
		args := []string{"iam", "simulate", "--policy", role, "--action", "ec2:CreateTags",
			"--resource", "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc", "--format", "json"}
		for _, kv := range c.contexts {
			args = append(args, "--context", kv)
		}
		code, out, errOut := runCLI(t, "", args...)
		var got struct{ Decision string }
		if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.Decision != c.want {
			t.Errorf("%s: exit %d, %s%s, want %s", c.name, code, out, errOut, c.want)
		}
	}
}

// Rules that act only when a scan runs are named when the stack has no scan schedule, and
// only then.
func TestDeployTemplateNamesTimeDrivenRules(t *testing.T) {
	dir := t.TempDir()
	idle := filepath.Join(dir, "idle.yaml")
	if err := os.WriteFile(idle, []byte("rules:\n  - control: EC2.4\n    actions: [stop]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	owners := filepath.Join("..", "examples", "owners.yaml")
	for _, tc := range []struct {
		args  []string
		want  string // on standard error; "" for nothing
		timer string // the template's timer schedule; "" for none
	}{
		{[]string{"-r", idle}, `rule "EC2.4" (stopped-for) act only when a scan runs: the stack's timer scans the region by them alone (rate(5 minutes)`, "rate(5 minutes)"},
		{[]string{"-r", idle, "--timer", "rate(1 hour)"}, "timer scans the region by them alone (rate(1 hour)", "rate(1 hour)"},
		{[]string{"-r", owners}, `rule "stop-without-exception" (grace), rule "office-hours" (schedule) act only when a scan runs: the stack's timer`, "rate(5 minutes)"},
		{[]string{"-r", idle, "--timer", "off"}, `warning: rule "EC2.4" (stopped-for) act only when a scan runs, and the stack has neither a timer nor a scan schedule`, ""},
		{[]string{"-r", idle, "--org"}, `the stack's timer scans every account and region (fanned out over ScanQueue) by them alone (rate(1 hour)`, "rate(1 hour)"},
		{[]string{"-r", idle, "--scan-regions", "us-east-1,eu-west-1"}, `timer scans every account and region`, "rate(1 hour)"},
		{[]string{"-r", idle, "--org", "--timer", "rate(10 minutes)"}, `by them alone (rate(10 minutes)`, "rate(10 minutes)"},
		{[]string{"-r", idle, "--scan-schedule", "rate(1 hour)"}, "", ""},
		{[]string{"-r", filepath.Join("..", "examples", "seeds.yaml"), "--var", "topic=arn:aws:sns:us-east-1:123456789012:ops"}, "", ""},
	} {
		code, out, errOut := runCLI(t, "", append([]string{"deploy", "template", "--format", "json"}, tc.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", tc.args, code, errOut)
		}
		if tc.want == "" && errOut != "" || tc.want != "" && !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: stderr %q, want %q", tc.args, errOut, tc.want)
		}
		var tmpl struct {
			Resources map[string]struct{ Properties map[string]any }
		}
		if err := json.Unmarshal([]byte(out), &tmpl); err != nil {
			t.Fatal(err)
		}
		if got, _ := tmpl.Resources["TimerSchedule"].Properties["ScheduleExpression"].(string); got != tc.timer {
			t.Errorf("%v: timer %q, want %q", tc.args, got, tc.timer)
		}
	}
	seeds := filepath.Join("..", "examples", "seeds.yaml")
	if code, _, errOut := runCLI(t, "", "deploy", "template", "-r", seeds, "--var", "topic=arn:aws:sns:us-east-1:123456789012:ops", "--scan-regions", "us-east-1"); code != 2 || !strings.Contains(errOut, "go with --scan-schedule") {
		t.Errorf("--scan-regions with neither a scan schedule nor a time-driven rule: exit %d, %s", code, errOut)
	}
}
