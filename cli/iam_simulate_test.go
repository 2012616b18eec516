package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const simSeedPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "LaunchEC2Instances", "Effect": "Allow", "Action": ["ec2:Describe*", "ec2:RunInstances"], "Resource": ["*"]},
    {"Sid": "AllowActionsIfYouAreTheOwner", "Effect": "Allow",
     "Action": ["ec2:StopInstances", "ec2:StartInstances", "ec2:RebootInstances", "ec2:TerminateInstances"],
     "Condition": {"StringEquals": {"ec2:ResourceTag/PrincipalId": "${aws:userid}"}},
     "Resource": ["*"]}
  ]
}`

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestIAMSimulate(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"bob.json":      simSeedPolicy,
		"deny.json":     `{"Version":"2012-10-17","Statement":{"Sid":"NoStop","Effect":"Deny","Action":"ec2:StopInstances","Resource":"*"}}`,
		"boundary.json": `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}}`,
		"bad.json":      `{"Version":"2012-10-17","Statement":{"Effect":"Permit","Action":"ec2:*"}}`,
	})
	p := func(n string) string { return filepath.Join(dir, n) }
	base := []string{"iam", "simulate", "--policy", p("bob.json"), "--action", "ec2:StopInstances",
		"--resource", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", "--principal", "arn:aws:iam::111122223333:user/Bob",
		"--context", "aws:userid=AIDABOB"}
	tests := []struct {
		name     string
		args     []string
		code     int
		decision string
		sids     []string
		text     []string
	}{
		{"own instance", append(base, "--context", "ec2:ResourceTag/PrincipalId=AIDABOB", "--format", "json"), 0, "allowed", []string{"AllowActionsIfYouAreTheOwner"}, nil},
		{"alice's instance", append(base, "--context", "ec2:ResourceTag/PrincipalId=AIDAALICE", "--format", "json"), 0, "implicit-deny", nil, nil},
		{"no tag", append(base, "--format", "json"), 0, "implicit-deny", nil, nil},
		{"multi-valued tag key", append(base, "--context", "ec2:ResourceTag/PrincipalId=AIDAALICE", "--context", "EC2:ResourceTag/PrincipalId=AIDABOB", "--format", "json"), 0, "allowed", []string{"AllowActionsIfYouAreTheOwner"}, nil},
		{"deny", append(base, "--policy", p("deny.json"), "--context", "ec2:ResourceTag/PrincipalId=AIDABOB", "--format", "json"), 0, "explicit-deny", []string{"NoStop"}, nil},
		{"boundary", append(base, "--boundary", p("boundary.json"), "--context", "ec2:ResourceTag/PrincipalId=AIDABOB", "--format", "json"), 0, "implicit-deny", nil, nil},
		{"text allowed", append(base, "--context", "ec2:ResourceTag/PrincipalId=AIDABOB"), 0, "", nil,
			[]string{"Decision: ALLOWED", "arn:aws:iam::111122223333:user/Bob calls ec2:StopInstances", `statement "AllowActionsIfYouAreTheOwner" of identity-based policy`, "bob.json:5:5", "aws:username = Bob"}},
		{"text deny", append(base, "--boundary", p("boundary.json")), 0, "", nil, []string{"Decision: IMPLICIT-DENY", "no statement of the identity-based policy allows"}},
		{"text explicit", append(base, "--policy", p("deny.json")), 0, "", nil, []string{"Decision: EXPLICIT-DENY", "a Deny overrides every Allow", `"NoStop"`}},
		{"bad policy", []string{"iam", "simulate", "--policy", p("bad.json"), "--action", "ec2:StopInstances", "--resource", "*"}, 2, "", nil, nil},
		{"missing file", []string{"iam", "simulate", "--policy", p("nope.json"), "--action", "ec2:StopInstances", "--resource", "*"}, 2, "", nil, nil},
		{"no action", []string{"iam", "simulate", "--policy", p("bob.json"), "--resource", "*"}, 2, "", nil, nil},
		{"bad action", []string{"iam", "simulate", "--policy", p("bob.json"), "--action", "stop", "--resource", "*"}, 2, "", nil, nil},
		{"bad context", append(base, "--context", "novalue"), 2, "", nil, nil},
		{"bad format", append(base, "--format", "xml"), 2, "", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stdout=%s stderr=%s", code, tc.code, out, errOut)
			}
			if tc.decision != "" {
				var res struct {
					Decision   string `json:"decision"`
					Statements []struct {
						Policy, Sid, File string
						Index, Line       int
					} `json:"statements"`
				}
				if err := json.Unmarshal([]byte(out), &res); err != nil {
					t.Fatalf("output %q: %v", out, err)
				}
				if res.Decision != tc.decision || len(res.Statements) != len(tc.sids) {
					t.Fatalf("result %+v, want %s %v", res, tc.decision, tc.sids)
				}
				for i, sid := range tc.sids {
					if s := res.Statements[i]; s.Sid != sid || s.Line == 0 || s.File == "" || s.Policy == "" {
						t.Errorf("statement %d = %+v, want sid %s", i, s, sid)
					}
				}
			}
			for _, want := range tc.text {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if tc.code == 2 && errOut == "" {
				t.Error("no error message")
			}
		})
	}
	_, _, errOut := runCLI(t, "", "iam", "simulate", "--policy", p("bad.json"), "--action", "ec2:StopInstances", "--resource", "*")
	if !strings.Contains(errOut, "bad.json:1:47: Effect must be") {
		t.Errorf("bad policy error = %q", errOut)
	}
}

// A request AWS would never evaluate is an error, not an implicit deny: an unknown action
// (with the nearest real one), a resource or a principal that is not an ARN.
func TestIAMSimulateRequestChecked(t *testing.T) {
	dir := writeFiles(t, map[string]string{"bob.json": simSeedPolicy})
	inst := "arn:aws:ec2:us-east-1:111122223333:instance/i-1"
	run := func(action, resource, principal string) []string {
		args := []string{"iam", "simulate", "--policy", filepath.Join(dir, "bob.json"), "--action", action, "--resource", resource}
		if principal != "" {
			args = append(args, "--principal", principal)
		}
		return args
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"typo of an action", run("ec2:StopInstance", inst, ""), "ec2guard: iam simulate: unknown action ec2:StopInstance (did you mean ec2:StopInstances?)\n"},
		{"unknown service", run("ec3:StopInstances", inst, ""), `unknown action ec3:StopInstances: no service has the prefix "ec3" (did you mean ec2:StopInstances?)`},
		{"nothing near", run("ec2:MakeCoffee", inst, ""), "ec2guard: iam simulate: unknown action ec2:MakeCoffee\n"},
		{"a wildcard", run("ec2:Stop*", inst, ""), `--action "ec2:Stop*": a request names one action, without wildcards`},
		{"malformed resource", run("ec2:StopInstances", "arn:aws:ec2:us-east-1:i-1", ""), `--resource: "arn:aws:ec2:us-east-1:i-1" is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)`},
		{"resource id", run("ec2:StopInstances", "i-0abc", ""), `--resource: "i-0abc" is not an ARN`},
		{"resource account", run("ec2:StopInstances", "arn:aws:ec2:us-east-1:1111:instance/i-1", ""), `account "1111" is not 12 digits`},
		{"principal not an ARN", run("ec2:StopInstances", inst, "Bob"), `--principal: "Bob" is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE) (want an IAM or STS ARN`},
		{"principal of another service", run("ec2:StopInstances", inst, inst), "is not an IAM or STS ARN"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tt.args...)
			if code != ExitUsage || out != "" || !strings.Contains(errOut, tt.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 saying %q", code, out, errOut, tt.want)
			}
		})
	}
	// What is right still runs: a real action in any case, an ARN without region or account.
	for _, args := range [][]string{
		run("EC2:stopinstances", inst, "arn:aws:iam::111122223333:user/Bob"),
		run("s3:GetObject", "arn:aws:s3:::bucket/key", "arn:aws:sts::111122223333:assumed-role/r/s"),
		run("ec2:StopInstances", "*", ""),
	} {
		if code, out, errOut := runCLI(t, "", args...); code != 0 || !strings.Contains(out, "Decision: ") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
}

// readmeCommand is the README's command line that starts with prefix (continuation lines
// joined, the comment after # dropped), as arguments for Run.
func readmeCommand(t *testing.T, prefix string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		cmd := l
		for strings.HasSuffix(cmd, `\`) && i+1 < len(lines) {
			i++
			cmd = strings.TrimSuffix(cmd, `\`) + " " + lines[i]
		}
		cmd, _, _ = strings.Cut(cmd, " #")
		return strings.Fields(cmd)[1:]
	}
	t.Fatalf("the README has no line starting with %q", prefix)
	return nil
}

// The README's iam simulate example runs as written from the repository's root: Bob may not
// stop Alice's instance, and may stop his own.
func TestREADMESimulateExample(t *testing.T) {
	args := readmeCommand(t, "ec2guard iam simulate")
	t.Chdir("..")
	code, out, errOut := runCLI(t, "", args...)
	if code != 0 || !strings.Contains(out, "Decision: IMPLICIT-DENY") {
		t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
	}
	own := append(args, "--context", "ec2:ResourceTag/PrincipalId=AIDABOB")
	if code, out, errOut := runCLI(t, "", own...); code != 0 || !strings.Contains(out, "Decision: ALLOWED") || !strings.Contains(out, "examples/iam/bob.json:") {
		t.Fatalf("%v: exit %d\n%s%s", own, code, out, errOut)
	}
}
