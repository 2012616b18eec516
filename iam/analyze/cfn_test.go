package analyze

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/iam/policy"
	"github.com/ec2guard/ec2guard/internal/testshared"
)

const yamlTemplate = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env:
    Type: String
    Default: dev
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Operators:
    Type: AWS::IAM::Group
    Properties:
      Policies:
        - PolicyName: terminate
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Sid: Terminate
                Effect: Allow
                Action: ec2:TerminateInstances
                Resource: !Sub "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*"
  Alice:
    Type: AWS::IAM::User
    Properties:
      UserName: alice
      Groups: [!Ref Operators]
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: ec2.amazonaws.com}
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - !Ref StopPolicy
        - arn:aws:iam::aws:policy/ReadOnlyAccess
      Policies:
        - PolicyName: owned
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: [ec2:StopInstances, ec2:StartInstances]
                Resource: "*"
                Condition:
                  StringEquals:
                    "ec2:ResourceTag/Env": !Ref Env
  StopPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: ec2:StopInstances
            Resource:
              Fn::Join: ["", ["arn:aws:ec2:*:", !Ref "AWS::AccountId", ":instance/i-0abc"]]
  Loose:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: loose
      Roles: [app]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: ec2:CreateTags
            Resource: "*"
  Broken:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Permit
            Action: ec2:DescribeInstances
            Resource: "*"
`

func writeFile(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTemplateYAML(t *testing.T) {
	path := writeFile(t, "stack.yaml", yamlTemplate)
	inv, err := Load([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, s := range inv.Subjects {
		subjects = append(subjects, fmt.Sprintf("%s %s %s %d", s.Kind, s.Principal, s.Name, len(s.Identity)))
	}
	sort.Strings(subjects)
	want := []string{"policy  Broken 1", "role AppRole app 3", "user Alice alice 1"}
	if strings.Join(subjects, "|") != strings.Join(want, "|") {
		t.Errorf("subjects %q, want %q", subjects, want)
	}
	if len(inv.Warnings) != 0 {
		t.Errorf("warnings %q", inv.Warnings)
	}
	res, err := Run(env(t), nil, inv, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%s %s %s %s @%d:%d", f.ID, f.Principal, f.Policy, f.Statement, f.Loc.Line, f.Loc.Column))
	}
	sort.Strings(got)
	wantF := []string{
		// Alice terminates through her group; the !Sub ARN resolves to a wildcard id. A
		// statement is where its first key is.
		"IAM-EC2-1 Alice Operators:terminate Terminate @17:17",
		// The app role's stop/start is tag-scoped, its managed StopPolicy names one instance,
		// but the Loose policy lets it re-tag any instance.
		"IAM-EC2-6 AppRole loose #0 @67:13",
		// JSON's `"Effect":` is one column longer than YAML's `Effect: `: values of plain keys
		// land one column right of the YAML value.
		"IAM-POLICY-4  Broken  @76:22",
		// An AWS managed policy attached by ARN, without --managed-policies: not analysed,
		// and said so where the template names it.
		"IAM-POLICY-8 AppRole arn:aws:iam::aws:policy/ReadOnlyAccess  @37:11",
	}
	if strings.Join(got, "\n") != strings.Join(wantF, "\n") {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantF, "\n"))
	}
	// Positions are the template's.
	lines := strings.Split(yamlTemplate, "\n")
	if !strings.HasPrefix(lines[16][16:], "Sid: Terminate") || !strings.Contains(lines[75], "Effect: Permit") || !strings.HasPrefix(lines[66][12:], "Effect: Allow") {
		t.Error("the expected lines moved: fix the test")
	}
}

func TestTemplateJSON(t *testing.T) {
	src := `{
  "Resources": {
    "Ops": {
      "Type": "AWS::IAM::Role",
      "Properties": {
        "Policies": [{
          "PolicyName": "ops",
          "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "ec2:ModifyInstanceAttribute", "Resource": {"Fn::Sub": "arn:aws:ec2:${AWS::Region}:${AWS::AccountId}:instance/*"}},
                          {"Effect": "Deny", "Action": "ec2:ModifyInstanceAttribute", "Resource": {"Fn::If": ["Prod", "*", {"Ref": "AWS::NoValue"}]}}]
          }
        }]
      }
    },
    "Dev": {
      "Type": "AWS::IAM::Role",
      "Properties": {
        "Policies": [{"PolicyName": "dev", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "ec2:ModifyInstanceAttribute", "Resource": {"Fn::Sub": ["arn:aws:ec2:${R}:${AWS::AccountId}:instance/*", {"R": "eu-west-1"}]}}]}}]
      }
    }
  }
}`
	path := writeFile(t, "stack.template", src)
	if k := Detect([]byte(src)); k != KindTemplate {
		t.Fatalf("detected %v", k)
	}
	res := run(t, nil, path)
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%s %s %s @%d:%d when %q", f.ID, f.Principal, f.Resources, f.Loc.Line, f.Loc.Column, f.When))
	}
	// Without Prod the Deny's Resource is left out (AWS::NoValue): IAM rejects the statement.
	want := "IAM-EC2-8 Dev [arn:aws:ec2:eu-west-1:123456789012:instance/*] @20:11 when \"\"\nIAM-POLICY-4  [] @11:27 when \"not Prod\""
	if strings.Join(got, "\n") != want {
		t.Errorf("got\n%s\nwant %s", strings.Join(got, "\n"), want)
	}
}

// The emitter keeps positions: a problem deep in a YAML policy is reported where it is.
func TestTemplatePositions(t *testing.T) {
	src := "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Action: ec2:StopInstances\n            Resource: '*'\n            Condition:\n              StringEqualz: {aws:ResourceTag/a: b}\n"
	inv, err := LoadBytes("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	d := inv.Documents[0]
	if d.Err == nil || len(d.Err.Issues) != 1 {
		t.Fatalf("issues %+v", d.Err)
	}
	if got := d.Err.Issues[0].Loc; got != (policy.Location{File: "t.yaml", Line: 12, Column: 15}) {
		t.Errorf("issue at %v, want t.yaml:12:15", got)
	}
}

// A template with a syntax error is placed at its token.
func TestTemplateSyntaxError(t *testing.T) {
	_, err := loadTemplate("t.yaml", []byte("Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties: {Policies: [x]\n"))
	if want := "t.yaml:4:17: could not find flow mapping end token '}'"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

// A template's walks follow aliases: a recursive alias or a bomb is refused with its
// position instead of overflowing the stack or memory.
func TestTemplateAliasBounds(t *testing.T) {
	role := "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyName: p\n          PolicyDocument: "
	bomb := "Metadata:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	for _, tc := range []struct{ name, src, want string }{
		{"recursive", role + "&d {Statement: [{Effect: Allow, Action: '*', Resource: *d}]}\n", "t.yaml:7:82: alias *d refers to a value that contains it"},
		{"bomb", bomb + role + "{Statement: [{Effect: Allow, Action: [*e, *e, *e], Resource: '*'}]}\n", "t.yaml:13:65: aliases expand the document past 200000 values"},
		{"deep", role + strings.Repeat("[", 120) + strings.Repeat("]", 120) + "\n", "the document nests deeper than 100 levels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadBytes("t.yaml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			// A template told by its name (not detected) reads the same way.
			if _, err := loadTemplate("t.yaml", []byte(tc.src)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// Every Fn::If branch is analysed, and a finding says which conditions enable it; a
// resource's Condition decides whether it exists; AWS::NoValue leaves a statement out; a
// CommaDelimitedList parameter is a list of resources.
func TestTemplateConditions(t *testing.T) {
	src := `Parameters:
  Instances:
    Type: CommaDelimitedList
    Default: "arn:aws:ec2:us-east-1:123456789012:instance/i-1, arn:aws:ec2:us-east-1:123456789012:instance/*"
Conditions:
  IsProd: !Equals [!Ref AWS::StackName, prod]
  Legacy: !Equals [!Ref AWS::Region, us-east-1]
Resources:
  Ops:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: ops
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - !If
                - IsProd
                - Sid: StopTagged
                  Effect: Allow
                  Action: ec2:StopInstances
                  Resource: "*"
                  Condition: {StringEquals: {aws:ResourceTag/team: ops}}
                - Sid: StopAll
                  Effect: Allow
                  Action: ec2:StopInstances
                  Resource: "*"
              - !If [IsProd, !Ref AWS::NoValue, {Sid: Reboot, Effect: Allow, Action: ec2:TerminateInstances, Resource: !Ref Instances}]
  LegacyAdmin:
    Type: AWS::IAM::User
    Condition: Legacy
    Properties:
      Policies:
        - PolicyName: legacy
          PolicyDocument:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: ec2:ModifyInstanceAttribute, Resource: "*"}]
`
	path := writeFile(t, "cond.yaml", src)
	res := run(t, nil, path)
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%s %s %s when %q", f.ID, f.Principal, f.Statement, f.When))
	}
	sort.Strings(got)
	want := []string{
		`IAM-EC2-1 Ops Reboot when "not IsProd"`,
		`IAM-EC2-7 Ops StopAll when "not IsProd"`,
		`IAM-EC2-8 LegacyAdmin #0 when "Legacy"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// AWS managed policies attached by ARN are read from --managed-policies (the corpus of
// AWS's own documents here) and, where the folder lacks one, from the documents embedded in
// the binary: AmazonEC2FullAccess grants what the guardrails forbid, AdministratorAccess
// (not in the corpus) is read from the embedded ones, and a policy neither has is
// IAM-POLICY-8.
func TestTemplateAWSManaged(t *testing.T) {
	src := `Resources:
  Admin:
    Type: AWS::IAM::Role
    Properties:
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/AmazonEC2FullAccess
  Other:
    Type: AWS::IAM::Role
    Properties:
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/AdministratorAccess
        - arn:aws:iam::aws:policy/NoSuchPolicyOfAWS
`
	path := writeFile(t, "managed.yaml", src)
	for _, dir := range []string{testshared.Path(t, "corpus", "iam", "aws-managed"), ""} {
		inv, err := Load([]string{path})
		if err != nil {
			t.Fatal(err)
		}
		if err := inv.ResolveManaged(dir); err != nil {
			t.Fatal(err)
		}
		res, err := Run(env(t), nil, inv, nil)
		if err != nil {
			t.Fatal(err)
		}
		byPolicy := map[string]map[string]bool{}
		for _, f := range res.Findings {
			if byPolicy[f.Policy] == nil {
				byPolicy[f.Policy] = map[string]bool{}
			}
			byPolicy[f.Policy][f.ID] = true
		}
		for _, p := range []string{"arn:aws:iam::aws:policy/AmazonEC2FullAccess", "arn:aws:iam::aws:policy/AdministratorAccess"} {
			for _, id := range []string{"IAM-EC2-1", "IAM-EC2-7", "IAM-EC2-8"} {
				if !byPolicy[p][id] {
					t.Errorf("dir %q: no %s of %s (%v)", dir, id, p, byPolicy)
				}
			}
		}
		if !byPolicy["arn:aws:iam::aws:policy/NoSuchPolicyOfAWS"]["IAM-POLICY-8"] {
			t.Errorf("dir %q: a managed policy nobody has is not IAM-POLICY-8 (%v)", dir, byPolicy)
		}
		for p, ids := range byPolicy {
			if ids["IAM-POLICY-8"] && p != "arn:aws:iam::aws:policy/NoSuchPolicyOfAWS" {
				t.Errorf("dir %q: %s reported missing", dir, p)
			}
		}
	}
	inv, _ := Load([]string{path})
	if err := inv.ResolveManaged(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("a folder that does not exist is accepted")
	}
}

func TestSimplifyWhen(t *testing.T) {
	for _, tc := range []struct {
		combos []string
		want   string
	}{
		{[]string{"A and not B", "A and B"}, "A"},
		{[]string{"not A and not B"}, "not A and not B"},
		{[]string{"A and not B", "not A and B"}, "A and not B, or not A and B"},
		{[]string{"not A"}, "not A"},
	} {
		if got := simplifyWhen(tc.combos); got != tc.want {
			t.Errorf("simplifyWhen(%q) = %q, want %q", tc.combos, got, tc.want)
		}
	}
}

// A dump's user with an AWS managed policy the dump lacks: IAM-POLICY-8 where the dump
// names it, and analysed once --managed-policies has it.
func TestAuthorizationMissingManaged(t *testing.T) {
	src := `{"UserDetailList":[{"UserName":"ops","Arn":"arn:aws:iam::111122223333:user/ops",
  "AttachedManagedPolicies":[{"PolicyName":"AmazonEC2FullAccess","PolicyArn":"arn:aws:iam::aws:policy/AmazonEC2FullAccess"}],
  "PermissionsBoundary":{"PermissionsBoundaryType":"Policy","PermissionsBoundaryArn":"arn:aws:iam::111122223333:policy/elsewhere"}}],
  "GroupDetailList":[],"RoleDetailList":[],"Policies":[]}`
	path := writeFile(t, "authz.json", src)
	ids := func(resolve bool) []string {
		inv, err := Load([]string{path})
		if err != nil {
			t.Fatal(err)
		}
		if resolve {
			if err := inv.ResolveManaged(testshared.Path(t, "corpus", "iam", "aws-managed")); err != nil {
				t.Fatal(err)
			}
		}
		res, err := Run(env(t), nil, inv, nil)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range res.Findings {
			out = append(out, fmt.Sprintf("%s %s @%d", f.ID, f.Policy, f.Loc.Line))
		}
		sort.Strings(out)
		return out
	}
	want := "IAM-POLICY-8 arn:aws:iam::111122223333:policy/elsewhere @3|IAM-POLICY-8 arn:aws:iam::aws:policy/AmazonEC2FullAccess @2"
	if got := strings.Join(ids(false), "|"); got != want {
		t.Errorf("without the folder: %s, want %s", got, want)
	}
	got := strings.Join(ids(true), "|")
	if !strings.Contains(got, "IAM-EC2-1 arn:aws:iam::aws:policy/AmazonEC2FullAccess") || strings.Contains(got, "IAM-POLICY-8 arn:aws:iam::aws:policy/AmazonEC2FullAccess") || !strings.Contains(got, "IAM-POLICY-8 arn:aws:iam::111122223333:policy/elsewhere") {
		t.Errorf("with the folder: %s", got)
	}
}
