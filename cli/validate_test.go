package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.yaml", "rules:\n  - name: a\n    pattern: {detail: {state: stopped}}\n    actions: [reboot]\n")
	never := writeFile(t, dir, "never.yaml", "rules:\n  - name: tell-on-stop\n    pattern:\n      detail-type: [AWS API Call via CloudTrail]\n      detail: {eventName: [StopInstances]}\n    actions: [{notify: {topic: \"arn:aws:sns:us-east-1:123456789012:ops\"}}]\n")
	open := writeFile(t, dir, "open.yaml", `rules:
  - name: tag-any
    pattern: {detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances]}}
    actions: [{tag: {tags: {Owner: "{{.UserName}}"}}}]
  - name: stop-prefixed
    pattern: {source: [{prefix: aws}], detail: {state: [running]}}
    actions: [stop, {notify: {topic: "arn:aws:sns:us-east-1:123456789012:ops"}}]
  - name: tell-any
    pattern: {detail: {state: [running]}}
    actions: [{notify: {topic: "arn:aws:sns:us-east-1:123456789012:ops"}}]
  - name: protect-ec2
    pattern: {source: [aws.ec2], detail: {state: [stopped]}}
    actions: [{protect: {termination: true}}]
`)
	// Parameters a run would refuse: validate, deploy template and handle refuse them alike.
	idle := writeFile(t, dir, "idle.yaml", "rules:\n  - name: p\n    pattern: {source: [aws.ec2], detail: {state: [stopped]}}\n    actions: [{protect: {}}]\n")
	const idleErr = `idle.yaml:4:15: action "protect": protect needs stop and/or termination`
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		code     int
		out, err string
	}{
		{"seeds", nil, []string{"validate", "-r", filepath.Join("..", "examples", "seeds.yaml"), "--var", "topic=arn:aws:sns:us-east-1:123456789012:ops"}, 0,
			"3 rules valid (3 enforce, 0 dry-run)\n  restart-protected            enforce  1 filter   actions: start, notify", ""},
		{"variable from the environment", map[string]string{"EC2GUARD_VAR_topic": "arn:aws:sns:us-east-1:123456789012:ops"},
			[]string{"validate", "-r", filepath.Join("..", "examples", "seeds.yaml")}, 0, "3 rules valid", ""},
		{"unset variable", nil, []string{"validate", "-r", filepath.Join("..", "examples", "seeds.yaml")}, 2, "", `seeds.yaml:17:18: variable "topic" is not set`},
		{"loop", nil, []string{"validate", "-r", filepath.Join("..", "examples", "loop.yaml")}, 2, "", `loop.yaml:4:5: remediation loop: "restart-protected"'s start drives an instance to running, which "stop-without-exception"`},
		{"every error with its position", nil, []string{"validate", "-r", bad}, 2, "", "bad.yaml:3:31: pattern: detail.state: match values must be in an array"},
		{"unknown action", nil, []string{"validate", "-r", bad}, 2, "", "bad.yaml:4:15: action \"reboot\": unknown action"},
		{"topic not an ARN", nil, []string{"validate", "-r", filepath.Join("..", "examples", "seeds.yaml"), "--var", "topic=not-an-arn"}, 2, "",
			`seeds.yaml:17:18: action "notify": parameter "topic": "not-an-arn" is not an SNS topic ARN (arn:PARTITION:sns:REGION:ACCOUNT:NAME)`},
		{"topic an SQS queue", nil, []string{"validate", "-r", filepath.Join("..", "examples", "seeds.yaml"), "--var", "topic=arn:aws:sqs:us-east-1:123456789012:ops"}, 2, "",
			`seeds.yaml:17:18: action "notify": parameter "topic": "arn:aws:sqs:us-east-1:123456789012:ops" is an ARN of sqs, not of an SNS topic`},
		{"deploy template checks the topic as validate does", nil, []string{"deploy", "template", "-r", filepath.Join("..", "examples", "seeds.yaml"), "--var", "topic=not-an-arn"}, 2, "",
			`seeds.yaml:17:18: action "notify": parameter "topic": "not-an-arn" is not an SNS topic ARN`},
		{"a rule that can never act", nil, []string{"validate", "-r", never}, 2, "",
			"never.yaml:4:7: the pattern selects only events that name no resource ec2guard acts on: CloudTrail StopInstances; ec2guard acts on EC2 Instance State-change Notification events, the CloudTrail calls that create or change an EC2 resource and succeed"},
		{"an acting rule open to any source", nil, []string{"validate", "-r", open}, 0, "4 rules valid",
			`open.yaml:2:5: warning: rule "tag-any" acts (tag) but its pattern admits events whatever their source (it does not pin "source"): anyone allowed events:PutEvents can send those, and ec2guard does not act on them; add source: [aws.ec2] (or the aws.* sources it means)`},
		{"a prefix that lets other sources in", nil, []string{"validate", "-r", open}, 0, "4 rules valid",
			`open.yaml:5:5: warning: rule "stop-prefixed" acts (stop) but its pattern admits events of sources that are not AWS's (for example "aws")`},
		{"strict", nil, []string{"validate", "-r", open, "--strict"}, 2, "", "open.yaml: 2 warnings, which --strict makes errors"},
		{"strict and clean", nil, []string{"validate", "--strict", "-r", filepath.Join("..", "examples", "seeds.yaml"), "--var", "topic=arn:aws:sns:us-east-1:123456789012:ops"}, 0,
			"3 rules valid", ""},
		{"no rule file", nil, []string{"validate"}, 2, "", "a rule file is required"},
		{"bad var", nil, []string{"validate", "-r", bad, "--var", "x"}, 2, "", `--var "x": want NAME=VALUE`},
		{"an action with nothing to do", nil, []string{"validate", "-r", idle}, 2, "", idleErr},
		{"deploy template refuses it as validate does", nil, []string{"deploy", "template", "-r", idle}, 2, "", idleErr},
		{"and handle", nil, []string{"handle", "-r", idle, "--dry-run", filepath.Join("..", "examples", "events", "instance-stopped.json")}, 2, "", idleErr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, out, errOut := runCLI(t, "", tt.args...)
			if code != tt.code || !strings.Contains(out, tt.out) || !strings.Contains(errOut, tt.err) {
				t.Fatalf("exit %d\nstdout %s\nstderr %s\nwant exit %d, stdout containing %q, stderr containing %q", code, out, errOut, tt.code, tt.out, tt.err)
			}
		})
	}
}

// The README names every field a template may use: the list is the one validate gives when a
// template uses a field that does not exist.
func TestREADMENamesEveryTemplateField(t *testing.T) {
	rules := writeFile(t, t.TempDir(), "r.yaml", "rules:\n  - name: a\n    pattern: {source: [aws.ec2]}\n"+
		"    actions:\n      - notify: {topic: \"arn:aws:sns:us-east-1:123456789012:ops\", subject: \"{{.Bogus}}\"}\n")
	code, _, errOut := runCLI(t, "", "validate", "-r", rules)
	_, list, ok := strings.Cut(errOut, "where Field is one of ")
	if code != ExitUsage || !ok {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, readme, _ := strings.Cut(string(b), "Templates see")
	readme, _, _ = strings.Cut(readme, "\n\n")
	// The code spans of that paragraph that list fields: `.A .B .C`, `.D`.
	named := map[string]bool{}
	for _, span := range regexp.MustCompile("`(\\.[A-Za-z]+(?:\\s+\\.[A-Za-z]+)*)`").FindAllStringSubmatch(readme, -1) {
		for _, f := range strings.Fields(span[1]) {
			named[strings.TrimPrefix(f, ".")] = true
		}
	}
	fields := strings.Split(strings.TrimSpace(list), ", ")
	if len(fields) < 10 {
		t.Fatalf("fields %q", fields)
	}
	for _, f := range fields {
		if !named[f] {
			t.Errorf("the README's template fields do not name .%s", f)
		}
		delete(named, f)
	}
	for f := range named {
		t.Errorf("the README names .%s, which templates do not have", f)
	}
}
