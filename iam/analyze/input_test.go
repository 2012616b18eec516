package analyze

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want Kind
	}{
		{`{"Version":"2012-10-17","Statement":[]}`, KindPolicy},
		{"\ufeff  {\"Statement\":{}}", KindPolicy},
		{`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Resources":"x"}}}]}`, KindPolicy},
		{`{"Version":"2012-10-17",`, KindPolicy}, // malformed: IAM-POLICY-4 says so
		{`[1,2]`, 0},
		{`{"version":"0","id":"e1","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","resources":[],"detail":{"state":"stopped"}}`, 0}, // an event
		{`{"source":["aws.ec2"],"detail":{"state":["stopped"]}}`, 0},                                                                                           // a pattern
		{`{"detail":{"requestParameters":{"policyDocument":{"Version":"2012-10-17","Statement":[]}}}}`, 0},                                                     // an event naming a policy
		{`{"source": [`, 0}, // broken, and no input's keys
		{`{"Statement": [`, KindPolicy},
		{`{"Effect":"Allow","Statement":}`, KindPolicy},
		{`{"PolicyVersion":{"Document":{"Statement":[]}}}`, KindPolicy},
		{`{"UserDetailList":[],"Policies":[]}`, KindAuthorization},
		{`{"RoleDetailList":[]}`, KindAuthorization},
		{`{"AWSTemplateFormatVersion":"2010-09-09","Resources":{}}`, KindTemplate},
		{`{"Resources":{"R":{"Type":"AWS::IAM::Role"}}}`, KindTemplate},
		{"Resources:\n  R:\n    Type: AWS::IAM::Role\n", KindTemplate},
		{"AWSTemplateFormatVersion: '2010-09-09'\n", KindTemplate},
		{"rules: []\n", 0},
		{"", 0},
	} {
		if got := Detect([]byte(tc.src)); got != tc.want {
			t.Errorf("Detect(%q) = %v, want %v", tc.src, got, tc.want)
		}
	}
}

func TestLoadWrappersAndFolders(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"version.json": `{"PolicyVersion":{"Document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"}]},"VersionId":"v1"}}`,
		"inline.json":  `{"RoleName":"r","PolicyName":"stopper","PolicyDocument":"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22ec2%3AStopInstances%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D"}`,
		"notes.yaml":   "just: notes\n",
		"event.json":   `{"version":"0","id":"e1","source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"state":"stopped"}}`,
		"README.md":    "not read",
		".git/x.json":  "{",
	}
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	inv, err := Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Documents) != 2 || inv.Inputs != 2 || len(inv.Skipped) != 2 || len(inv.Warnings) != 0 {
		t.Fatalf("documents %d, inputs %d, skipped %q, warnings %q", len(inv.Documents), inv.Inputs, inv.Skipped, inv.Warnings)
	}
	res, err := Run(env(t), nil, inv, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, f := range res.Findings {
		if f.ID == "IAM-EC2-7" {
			names[f.Policy] = true
		}
	}
	if !names["stopper"] || !names["version"] {
		t.Errorf("IAM-EC2-7 on %v, want stopper and version", names)
	}
	// A named file that is none of the inputs is an error; a missing one too.
	if _, err := Load([]string{filepath.Join(dir, "notes.yaml")}); !errors.As(err, new(*NotAnalysableError)) {
		t.Errorf("named YAML: %v", err)
	}
	if _, err := Load([]string{filepath.Join(dir, "missing.json")}); err == nil {
		t.Error("missing file accepted")
	}
}

// FuzzLoadBytes: whatever the bytes, detection and loading never panic, and a loaded
// inventory runs through every check.
func FuzzLoadBytes(f *testing.F) {
	for _, s := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`,
		`{"UserDetailList":[{"UserName":"u","Arn":"arn:aws:iam::1:user/u","UserPolicyList":[{"PolicyName":"p","PolicyDocument":{"Statement":{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"}}}],"GroupList":["g"],"AttachedManagedPolicies":[{"PolicyArn":"x"}]}],"Policies":[{"Arn":"x","PolicyVersionList":[{"Document":"%7B%7D","IsDefaultVersion":true}]}]}`,
		"Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyName: p\n          PolicyDocument: {Statement: [{Effect: Allow, Action: !Sub 'ec2:${X}', Resource: !GetAtt A.Arn}]}\n",
		`{"Resources":{"P":{"Type":"AWS::IAM::ManagedPolicy","Properties":{"PolicyDocument":{"Fn::If":["c",{"Statement":[]},"x"]}}}}}`,
		`{"PolicyVersion":{"Document":"%ZZ"}}`,
		"Resources:\n  R:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument: &d {Statement: [{Effect: Allow, Action: '*', Resource: *d}]}\n",
		"Resources:\n  a: &a [x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n  P: {Type: AWS::IAM::Policy, Properties: {PolicyDocument: {Statement: [{Effect: Allow, Action: [*f, *f], Resource: '*'}]}}}\n",
		"Resources: " + strings.Repeat("[", 200) + strings.Repeat("]", 200) + "\n",
	} {
		f.Add([]byte(s))
	}
	e := env(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		inv, err := LoadBytes("fuzz.json", src)
		if err != nil {
			return
		}
		if _, err := Run(e, nil, inv, nil); err != nil {
			t.Fatalf("run: %v", err)
		}
	})
}

// A policy saved with a UTF-8 byte order mark is the policy, not a malformed one.
func TestLoadBytesByteOrderMark(t *testing.T) {
	src := "\xef\xbb\xbf" + `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"}]}`
	inv, err := LoadBytes("bom.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Documents) != 1 || inv.Documents[0].Err != nil || inv.Documents[0].Doc == nil {
		t.Fatalf("documents = %+v, want one valid policy", inv.Documents)
	}
}
