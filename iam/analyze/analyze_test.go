package analyze

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/iam/catalog"
	"github.com/ec2guard/ec2guard/iam/checks"
	"github.com/ec2guard/ec2guard/iam/internal/seedtest"
	"github.com/ec2guard/ec2guard/internal/testshared"
)

func env(t testing.TB) *checks.Env {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return &checks.Env{Catalog: c}
}

func run(t testing.TB, cfg *Config, paths ...string) *Result {
	t.Helper()
	inv, err := Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(env(t), cfg, inv, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// brief is a finding as the exact-expectation tests spell it.
func brief(f checks.Finding) string {
	return fmt.Sprintf("%s %s %s %s %d actions @%d:%d", f.ID, f.Principal[strings.LastIndex(f.Principal, ":")+1:], f.Policy, f.Statement, len(f.Actions), f.Loc.Line, f.Loc.Column)
}

func byPrincipal(res *Result, principal string) []string {
	var out []string
	for _, f := range res.Findings {
		if (principal == "" && f.Principal == "") || (principal != "" && strings.HasSuffix(f.Principal, principal)) {
			out = append(out, brief(f))
		}
	}
	sort.Strings(out)
	return out
}

func wantFindings(t *testing.T, res *Result, principal string, want ...string) {
	t.Helper()
	got := byPrincipal(res, principal)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %s\nwant %s", principal, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

// The authorization-details corpus: exact findings for principals of each shape.
func TestAuthorizationDetailsExample(t *testing.T) {
	res := run(t, nil, testshared.Path(t, "corpus", "iam", "authz", "example-authz-details.json"))
	admin := []string{
		"IAM-EC2-1 %s AdministratorAccess #0 1 actions @1943:15",
		"IAM-EC2-2 %s AdministratorAccess #0 1 actions @1943:15",
		"IAM-EC2-3 %s AdministratorAccess #0 52 actions @1943:15",
		"IAM-EC2-4 %s AdministratorAccess #0 12 actions @1943:15",
		"IAM-EC2-5 %s AdministratorAccess #0 9 actions @1943:15",
		"IAM-EC2-7 %s AdministratorAccess #0 1 actions @1943:15",
		"IAM-EC2-8 %s AdministratorAccess #0 1 actions @1943:15",
	}
	for _, user := range []string{"user/obama", "user/userwithlotsofpermissions"} {
		// obama holds AdministratorAccess directly and through group admin: one grant.
		var want []string
		for _, w := range admin {
			want = append(want, fmt.Sprintf(w, user))
		}
		wantFindings(t, res, user, want...)
	}
	wantFindings(t, res, "role/MyRole", "IAM-EC2-4 role/MyRole role/MyRole:EC2-IAM-example VisualEditor0 1 actions @168:15")
	wantFindings(t, res, "role/OverprivilegedEC2")
	wantFindings(t, res, "user/biden")
	if res.Summary.Principals != 6 || res.Summary.Policies != 38 {
		t.Errorf("summary %+v", res.Summary)
	}
	// Document checks have no principal.
	wantFindings(t, res, "",
		"IAM-POLICY-1  SecurityAudit #0 4 actions @1972:15",
		"IAM-POLICY-2  PowerUserAccess #0 3 actions @4283:15")
}

func TestAuthorizationDetailsAccount(t *testing.T) {
	res := run(t, nil, testshared.Path(t, "corpus", "iam", "authz", "example-account.json"))
	// RunInstances and DescribeInstances on *: only the image guardrail.
	for _, p := range []string{"user/fn1-privesc3-partial-user", "role/fn1-privesc3-partial-role"} {
		wantFindings(t, res, p, "IAM-EC2-2 "+p+" fn1-privesc3-partial #0 1 actions @5816:29")
	}
	// Allow NotAction: everything EC2 the checks look at, from the NotAction statement.
	got := byPrincipal(res, "role/fn4-exploitableNotAction-role")
	if len(got) != 7 {
		t.Errorf("fn4-exploitableNotAction-role: %q", got)
	}
	wantFindings(t, res, "role/MyOtherRole", "IAM-EC2-4 role/MyOtherRole role/MyOtherRole:SupYo VisualEditor0 1 actions @5246:29")
	if res.Summary.ByCheck["IAM-POLICY-4"] != 0 || res.Summary.ByCheck["IAM-EC2-6"] != 0 {
		t.Errorf("by check %v", res.Summary.ByCheck)
	}
}

// TestManagedCorpus runs every check over all AWS managed policies: each is valid IAM, so
// IAM-POLICY-4 must never fire; the figures per check are logged.
func TestManagedCorpus(t *testing.T) {
	dir := testshared.Path(t, "corpus", "iam", "aws-managed")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1567 {
		t.Fatalf("%d managed policies, want 1567", len(entries))
	}
	res := run(t, nil, dir)
	if res.Summary.Policies != 1567 {
		t.Errorf("%d policies analysed", res.Summary.Policies)
	}
	for _, f := range res.Findings {
		if f.ID == "IAM-POLICY-4" {
			t.Errorf("IAM-POLICY-4 on a valid managed policy: %s %s", f.Loc, f.Message)
		}
	}
	ids := make([]string, 0, len(res.Summary.ByCheck))
	for id := range res.Summary.ByCheck {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		t.Logf("%-12s %4d findings", id, res.Summary.ByCheck[id])
	}
	// AmazonEC2FullAccess grants ec2:* on *: every EC2 guardrail but the tag one fires.
	var full []string
	for _, f := range res.Findings {
		if f.Policy == "AmazonEC2FullAccess" {
			full = append(full, f.ID)
		}
	}
	sort.Strings(full)
	if want := "IAM-EC2-1 IAM-EC2-2 IAM-EC2-3 IAM-EC2-4 IAM-EC2-5 IAM-EC2-7 IAM-EC2-8"; strings.Join(full, " ") != want {
		t.Errorf("AmazonEC2FullAccess: %v, want %s", full, want)
	}
	// Read-only policies never fire principal checks.
	for _, f := range res.Findings {
		if f.Policy == "AmazonEC2ReadOnlyAccess" && strings.HasPrefix(f.ID, "IAM-EC2") {
			t.Errorf("AmazonEC2ReadOnlyAccess: %+v", f)
		}
	}
}

// The seed 004 policy as a file: RunInstances on * (IAM-EC2-2), but the owner-scoped
// stop/terminate fire neither IAM-EC2-1 nor IAM-EC2-7.
func TestSeed004Policy(t *testing.T) {
	dir := t.TempDir()
	src := seedtest.TagBasedEC2RestrictionsPolicy(t)
	path := filepath.Join(dir, "TagBasedEC2RestrictionsPolicy.json")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res := run(t, nil, path)
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%s %s %s %v @%d:%d", f.ID, f.Policy, f.Statement, f.Actions, f.Loc.Line, f.Loc.Column))
	}
	want := "IAM-EC2-2 TagBasedEC2RestrictionsPolicy LaunchEC2Instances [ec2:RunInstances] @4:20"
	if strings.Join(got, "\n") != want {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
}
