package deploy

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/iam/eval"
	"github.com/ec2guard/ec2guard/rules"
)

// A rule that tells owners gets sns:Publish on the owner map's own topics (a file's, read at
// deploy time; a table's topics allow-list and email-topic) and, for a table, its one read
// (BatchGetItem) on that table alone; the member's remediation role gets none of it. iam check of every
// role finds nothing, and cfn-lint passes.
func TestOwnerMapGrants(t *testing.T) {
	const (
		acct = "arn:aws:sns:us-east-1:123456789012:"
		rule = "rules:\n  - name: tell\n    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification]}\n" +
			"    filters: [{tag: Team, present: true}]\n    actions: [tell-owner]\n    mode: enforce\n"
	)
	files := map[string]string{"dir/owners.yaml": "email-topic: " + acct + "owners-mail\nfallback: {sns: \"" + acct + "ops\"}\n" +
		"owners:\n  alice: {slack: \"https://hooks.slack.com/services/T/B/X\"}\n  AIDABOB: {sns: \"" + acct + "bob\"}\n"}
	for _, tc := range []struct {
		name, owners string
		allowed      []string // topics
		denied       []string
		table        string // the table's ARN, when there is one
	}{
		{"file", "owners: owners.yaml\n", []string{"owners-mail", "ops", "bob"}, []string{"alice", "other"}, ""},
		{"table", "owners: {table: ec2guard-owners, topics: [\"" + acct + "team-*\"], email-topic: \"" + acct + "owners-mail\"}\n",
			[]string{"team-a", "team-payments", "owners-mail"}, []string{"ops", "other", "teams"}, "arn:aws:dynamodb:us-east-1:123456789012:table/ec2guard-owners"},
		{"table elsewhere", "owners: {table: owners, region: eu-west-1}\n", nil, []string{"ops"}, "arn:aws:dynamodb:eu-west-1:123456789012:table/owners"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, err := rules.Load("dir/r.yaml", []byte(tc.owners+rule), rules.Options{CheckAction: actions.Check, ParseAction: actions.ParseSpec,
				ReadFile: func(p string) ([]byte, error) { return []byte(files[p]), nil }})
			if err != nil {
				t.Fatal(err)
			}
			dir := write(t, templatesOf(t, Options{Rules: set}))
			fn, member := policyOf(t, dir, "single.yaml", "FunctionRole"), policyOf(t, dir, "member.json", "ec2guard-remediation")
			decide := func(ev *eval.Evaluator, action, res string, want eval.Effect) {
				t.Helper()
				if got := ev.Decide(eval.Request{Action: action, Resource: res}); got != want {
					t.Errorf("%s on %s = %s, want %s", action, res, got, want)
				}
			}
			for _, name := range tc.allowed {
				decide(fn, "sns:Publish", acct+name, eval.Allowed)
				decide(member, "sns:Publish", acct+name, eval.ImplicitDeny)
			}
			for _, name := range tc.denied {
				decide(fn, "sns:Publish", acct+name, eval.ImplicitDeny)
			}
			if tc.table != "" {
				decide(fn, "dynamodb:BatchGetItem", tc.table, eval.Allowed)
				decide(member, "dynamodb:BatchGetItem", tc.table, eval.ImplicitDeny)
			}
			decide(fn, "dynamodb:BatchGetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/other", eval.ImplicitDeny)
			decide(fn, "dynamodb:GetItem", tc.table, eval.ImplicitDeny)
			decide(fn, "dynamodb:PutItem", tc.table, eval.ImplicitDeny)
			decide(fn, "dynamodb:Scan", tc.table, eval.ImplicitDeny)

			clean(t, dir)
		})
	}
}

// clean says what iam check finds in the templates of dir (nothing, if all is well) and
// runs cfn-lint on them.
func clean(t *testing.T, dir string) {
	t.Helper()
	_, res := iamCheck(t, dir)
	for _, f := range res.Findings {
		t.Errorf("%s %s %s: %s (%v)", f.ID, f.Principal, f.Statement, f.Message, f.Loc)
	}
	cfnLint(t, dir)
}

// cfnLint runs cfn-lint on the templates of dir; it must be installed (.ci/run installs it).
func cfnLint(t *testing.T, dir string) {
	t.Helper()
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatal("cfn-lint is not installed (pip install cfn-lint)")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if out, err := exec.Command(lint, files...).CombinedOutput(); err != nil {
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
}
