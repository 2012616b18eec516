package deploy

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/iam/analyze"
	"github.com/ec2guard/ec2guard/iam/catalog"
	"github.com/ec2guard/ec2guard/iam/checks"
	"github.com/ec2guard/ec2guard/iam/eval"
	"github.com/ec2guard/ec2guard/iam/policy"
	"github.com/ec2guard/ec2guard/rules"
)

const topic = "arn:aws:sns:us-east-1:123456789012:ops"

func seeds(t testing.TB) (*rules.Set, []byte) {
	t.Helper()
	path := filepath.Join("..", "examples", "seeds.yaml")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.Load(path, src, rules.Options{Vars: map[string]string{"topic": topic}, CheckAction: actions.Check, Transitions: actions.Transitions})
	if err != nil {
		t.Fatal(err)
	}
	return set, src
}

func loadRules(t testing.TB, src string) *rules.Set {
	t.Helper()
	set, err := rules.Load("r.yaml", []byte(src), rules.Options{CheckAction: actions.Check})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// templates are the three templates of the seeds: single account, Organization central, member.
func templates(t testing.TB) map[string]*Template {
	t.Helper()
	set, src := seeds(t)
	return templatesOf(t, Options{Rules: set, Vars: UsedVars(src, map[string]string{"topic": topic, "unused": "x"})})
}

// templatesOf are the three templates of these options: single account, Organization
// central, member.
func templatesOf(t testing.TB, o Options) map[string]*Template {
	t.Helper()
	single, err := Central(o)
	if err != nil {
		t.Fatal(err)
	}
	o.Org = true
	central, err := Central(o)
	if err != nil {
		t.Fatal(err)
	}
	member, err := Member(o)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*Template{"single.yaml": single, "central.yaml": central, "member.json": member}
}

// write renders the templates into a folder, YAML or JSON by name.
func write(t testing.TB, ts map[string]*Template) string {
	t.Helper()
	dir := t.TempDir()
	for name, tmpl := range ts {
		render := tmpl.YAML
		if strings.HasSuffix(name, ".json") {
			render = tmpl.JSON
		}
		b, err := render()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCentralResources(t *testing.T) {
	set, _ := seeds(t)
	tmpl := templates(t)["single.yaml"]
	var rulesSeen int
	for id, r := range tmpl.Resources {
		if r.Type != "AWS::Events::Rule" {
			continue
		}
		rulesSeen++
		name := strings.TrimPrefix(strings.SplitN(r.Properties["Description"].(string), ":", 2)[0], "ec2guard rule ")
		i := slices.IndexFunc(set.Rules, func(x *rules.Rule) bool { return x.Name == name })
		if i < 0 {
			t.Fatalf("%s: description names no rule: %v", id, r.Properties["Description"])
		}
		got, _ := json.Marshal(r.Properties["EventPattern"])
		var want any
		_ = json.Unmarshal(set.Rules[i].Pattern, &want)
		wantJSON, _ := json.Marshal(want)
		if string(got) != string(wantJSON) {
			t.Errorf("%s: pattern %s, want the rule's %s", id, got, wantJSON)
		}
		if _, ok := tmpl.Resources[id+"Invoke"]; !ok {
			t.Errorf("%s: no permission for EventBridge to invoke the function", id)
		}
	}
	if rulesSeen != len(set.Rules) {
		t.Errorf("%d EventBridge rules, want %d", rulesSeen, len(set.Rules))
	}
	fn := tmpl.Resources["Function"].Properties
	if fn["Runtime"] != "provided.al2023" || fn["Handler"] != "bootstrap" {
		t.Errorf("function runtime %v handler %v", fn["Runtime"], fn["Handler"])
	}
	env := fn["Environment"].(map[string]any)["Variables"].(map[string]any)
	if env["EC2GUARD_VAR_topic"] != topic || env["EC2GUARD_VAR_unused"] != nil {
		t.Errorf("variables in the environment: %v", env)
	}
	if ref, _ := env["EC2GUARD_TABLE"].(map[string]any); ref["Ref"] != "LedgerTable" {
		t.Errorf("EC2GUARD_TABLE = %v", env["EC2GUARD_TABLE"])
	}
	if _, ok := env["EC2GUARD_ASSUME_ROLE"]; ok {
		t.Error("a single-account function assumes a role")
	}
	table := tmpl.Resources["LedgerTable"].Properties
	if ttl := table["TimeToLiveSpecification"].(map[string]any); ttl["AttributeName"] != LedgerTTL || ttl["Enabled"] != true {
		t.Errorf("table TTL %v", ttl)
	}
	if _, ok := tmpl.Resources["OrganizationEvents"]; ok {
		t.Error("a single-account template opens the bus to an Organization")
	}
	if _, ok := templates(t)["central.yaml"].Resources["OrganizationEvents"]; !ok {
		t.Error("the central template does not accept the Organization's events")
	}
}

// policyOf returns the compiled policy of a role of a rendered template, read back through
// the IAM analyzer's CloudFormation loader (intrinsics resolved as iam check resolves them).
func policyOf(t *testing.T, dir, file, role string) *eval.Evaluator {
	t.Helper()
	inv, err := analyze.Load([]string{filepath.Join(dir, file)})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range inv.Subjects {
		if s.Name == role {
			ev, err := eval.Compile(eval.PolicySet{Identity: s.Identity})
			if err != nil {
				t.Fatal(err)
			}
			return ev
		}
	}
	t.Fatalf("no role %s in %s", role, file)
	return nil
}

// The execution role grants what the seeds' rules do and nothing more, decided by the same
// evaluator as iam simulate.
func TestExecutionRoleIsLeastPrivilege(t *testing.T) {
	dir := write(t, templates(t))
	const inst = "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"
	tag := func(kv ...string) eval.Context {
		c := eval.Context{}
		for i := 0; i+1 < len(kv); i += 2 {
			c["ec2:ResourceTag/"+kv[i]] = []string{kv[i+1]}
		}
		return c
	}
	tagKeys := func(keys ...string) eval.Context { return eval.Context{"aws:TagKeys": keys} }
	cases := []struct {
		name     string
		action   string
		resource string
		ctx      eval.Context
		want     eval.Effect
	}{
		{"start a protected instance", "ec2:StartInstances", inst, tag("Protected", "true"), eval.Allowed},
		{"start an unprotected instance", "ec2:StartInstances", inst, nil, eval.ImplicitDeny},
		{"start with Protected=false", "ec2:StartInstances", inst, tag("Protected", "false"), eval.ImplicitDeny},
		{"stop an instance without the exception tag", "ec2:StopInstances", inst, nil, eval.Allowed},
		{"stop an excepted instance", "ec2:StopInstances", inst, tag("SPECIAL_EXCEPTION", "yes"), eval.ImplicitDeny},
		{"stop a protected instance", "ec2:StopInstances", inst, tag("Protected", "true"), eval.ImplicitDeny},
		{"stop in another account", "ec2:StopInstances", "arn:aws:ec2:us-east-1:999999999999:instance/i-0abc", nil, eval.ImplicitDeny},
		{"tag PrincipalId where there is none", "ec2:CreateTags", "arn:aws:ec2:us-east-1:123456789012:volume/vol-1", tagKeys("PrincipalId"), eval.Allowed},
		{"tag Owner where there is none", "ec2:CreateTags", inst, tagKeys("Owner"), eval.Allowed},
		{"overwrite an owner's PrincipalId", "ec2:CreateTags", inst, eval.Context{"aws:TagKeys": {"PrincipalId"}, "ec2:ResourceTag/PrincipalId": {"AIDAALICE"}}, eval.ImplicitDeny},
		{"overwrite an Owner", "ec2:CreateTags", inst, eval.Context{"aws:TagKeys": {"Owner"}, "ec2:ResourceTag/Owner": {"alice"}}, eval.ImplicitDeny},
		{"add PrincipalId beside an Owner", "ec2:CreateTags", inst, eval.Context{"aws:TagKeys": {"PrincipalId"}, "ec2:ResourceTag/Owner": {"alice"}}, eval.Allowed},
		{"two keys in one call", "ec2:CreateTags", inst, tagKeys("Owner", "PrincipalId"), eval.ImplicitDeny},
		{"no keys (ForAllValues of nothing)", "ec2:CreateTags", inst, nil, eval.ImplicitDeny},
		{"tag a snapshot", "ec2:CreateTags", "arn:aws:ec2:us-east-1::snapshot/snap-1", tagKeys("Owner"), eval.Allowed},
		{"take an instance over with Protected", "ec2:CreateTags", inst, tagKeys("Protected"), eval.ImplicitDeny},
		{"set the exception tag", "ec2:CreateTags", inst, tagKeys("Owner", "SPECIAL_EXCEPTION"), eval.ImplicitDeny},
		{"remove tags", "ec2:DeleteTags", inst, tagKeys("Owner"), eval.ImplicitDeny},
		{"terminate", "ec2:TerminateInstances", inst, nil, eval.ImplicitDeny},
		{"turn protection off", "ec2:ModifyInstanceAttribute", inst, nil, eval.ImplicitDeny},
		{"run instances", "ec2:RunInstances", "*", nil, eval.ImplicitDeny},
		{"publish to the rules' topic", "sns:Publish", topic, nil, eval.Allowed},
		{"publish elsewhere", "sns:Publish", "arn:aws:sns:us-east-1:123456789012:other", nil, eval.ImplicitDeny},
		{"describe", "ec2:DescribeInstances", "*", nil, eval.Allowed},
		{"assume roles", "sts:AssumeRole", "arn:aws:iam::222222222222:role/ec2guard-remediation", nil, eval.ImplicitDeny},
	}
	ev := policyOf(t, dir, "single.yaml", "FunctionRole")
	for _, c := range cases {
		if got := ev.Decide(eval.Request{Action: c.action, Resource: c.resource, Context: c.ctx}); got != c.want {
			t.Errorf("%s: %s on %s %v = %s, want %s", c.name, c.action, c.resource, c.ctx, got, c.want)
		}
	}
	// The central function of an Organization may assume the member role of its own
	// Organization only; a member's remediation role acts on EC2, never on SNS.
	central := policyOf(t, dir, "central.yaml", "FunctionRole")
	role := "arn:aws:iam::222222222222:role/ec2guard-remediation"
	org := func(id string) eval.Context { return eval.Context{"aws:ResourceOrgID": {id}} }
	// (the analyzer resolves the OrganizationId parameter, which has no default, to "ref-OrganizationId")
	if got := central.Decide(eval.Request{Action: "sts:AssumeRole", Resource: role, Context: org("ref-OrganizationId")}); got != eval.Allowed {
		t.Errorf("assume a member's remediation role: %s", got)
	}
	if got := central.Decide(eval.Request{Action: "sts:AssumeRole", Resource: role, Context: org("o-otherorgxyz")}); got != eval.ImplicitDeny {
		t.Errorf("assume a role outside the Organization: %s", got)
	}
	if got := central.Decide(eval.Request{Action: "sts:AssumeRole", Resource: "arn:aws:iam::222222222222:role/admin", Context: org("ref-OrganizationId")}); got != eval.ImplicitDeny {
		t.Errorf("assume another role of a member: %s", got)
	}
	member := policyOf(t, dir, "member.json", "ec2guard-remediation")
	for _, c := range cases {
		want := c.want
		if strings.HasPrefix(c.action, "sns:") {
			want = eval.ImplicitDeny
		}
		if got := member.Decide(eval.Request{Action: c.action, Resource: c.resource, Context: c.ctx}); got != want {
			t.Errorf("member role: %s: %s = %s, want %s", c.name, c.action, got, want)
		}
	}
}

// PRODUCT §7: iam check of the generated roles finds nothing.
func TestIAMCheckFindsNothing(t *testing.T) {
	inv, res := iamCheck(t, write(t, templates(t)))
	if len(inv.Subjects) < 4 {
		t.Fatalf("%d principals analysed, want the function, forwarder and remediation roles", len(inv.Subjects))
	}
	for _, f := range res.Findings {
		t.Errorf("%s %s %s: %s (%v)", f.ID, f.Principal, f.Statement, f.Message, f.Loc)
	}
}

// iamCheck runs every check of iam check over a folder.
func iamCheck(t *testing.T, dir string) (*analyze.Inventory, *analyze.Result) {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	inv, err := analyze.Load([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	res, err := analyze.Run(&checks.Env{Catalog: cat}, nil, inv, nil)
	if err != nil {
		t.Fatal(err)
	}
	return inv, res
}

// cfn-lint accepts every template (it must be installed: .ci/run installs it).
func TestCfnLint(t *testing.T) {
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatal("cfn-lint is not installed (pip install cfn-lint): the generated CloudFormation cannot be validated")
	}
	dir := write(t, templates(t))
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	out, err := exec.Command(lint, files...).CombinedOutput()
	if err != nil {
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
}

func TestFilterConditions(t *testing.T) {
	set := loadRules(t, `rules:
  - name: scoped
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification]}
    filters:
      - {tag: Env, one-of: [prod, staging]}
      - {tag: Env, equals: prod}
      - {tag: Team, present: true}
      - {tag: Keep, absent: true}
      - {tag: Name, glob: "web-*"}
      - {tag: Zone, glob: "[ab]-*"}
      - {state: [running]}
      - {id: [i-1, i-2]}
    actions: [stop, {protect: {termination: true}}, {tag: {tags: {B: x, A: y}}}]
  - name: free
    pattern: {source: [aws.ec2]}
    actions: [{stop: {force: true}}]
`)
	got, _ := json.Marshal(actionStatements(set, false))
	want := `[{"Action":["ec2:StopInstances"],"Condition":{"Null":{"ec2:ResourceTag/Keep":"true","ec2:ResourceTag/Team":"false"},"StringEquals":{"ec2:ResourceTag/Env":["prod"]},"StringLike":{"ec2:ResourceTag/Name":["web-*"]}},"Effect":"Allow","Resource":[{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/i-1"},{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/i-2"}],"Sid":"ScopedStop"},` +
		`{"Action":["ec2:ModifyInstanceAttribute"],"Condition":{"Null":{"ec2:ResourceTag/Keep":"true","ec2:ResourceTag/Team":"false"},"StringEquals":{"ec2:ResourceTag/Env":["prod"]},"StringLike":{"ec2:ResourceTag/Name":["web-*"]}},"Effect":"Allow","Resource":[{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/i-1"},{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/i-2"}],"Sid":"ScopedProtect"},` +
		`{"Action":["ec2:CreateTags"],"Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["A"]},"ForAnyValue:StringEquals":{"aws:TagKeys":["A"]},"Null":{"ec2:ResourceTag/A":"true"}},"Effect":"Allow","Resource":[{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*"},{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:volume/*"},{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-interface/*"},{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*"},{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}::image/*"}],"Sid":"ScopedTag"},` +
		`{"Action":["ec2:CreateTags"],"Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["B"]},"ForAnyValue:StringEquals":{"aws:TagKeys":["B"]},"Null":{"ec2:ResourceTag/B":"true"}},"Effect":"Allow","Resource":[{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*"},{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:volume/*"},{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:network-interface/*"},{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}::snapshot/*"},{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}::image/*"}],"Sid":"ScopedTag2"},` +
		`{"Action":["ec2:StopInstances","ec2:ModifyInstanceAttribute"],"Effect":"Allow","Resource":[{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*"}],"Sid":"FreeStop"}]`
	if string(got) != want {
		t.Errorf("statements\n%s\nwant\n%s", got, want)
	}
}

func TestLogicalID(t *testing.T) {
	used := map[string]bool{}
	for _, c := range []struct{ name, want string }{
		{"restart-protected", "RuleRestartProtected"},
		{"restart protected", "RuleRestartProtected2"},
		{"é-ascii_rule.1", "RuleAsciiRule1"}, // CloudFormation takes ASCII letters and digits only
		{"", "Rule"},
	} {
		if got := logicalID("Rule", c.name, used); got != c.want {
			t.Errorf("logicalID(%q) = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestNoRules(t *testing.T) {
	if _, err := Central(Options{}); err == nil {
		t.Error("Central without rules")
	}
	if _, err := Member(Options{}); err == nil {
		t.Error("Member without rules")
	}
}

// examples/deploy holds what deploy template writes for the seeds, for people to read: it
// must be what the code writes today.
func TestExamplesCurrent(t *testing.T) {
	path := filepath.Join("..", "examples", "seeds.yaml")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"topic": "arn:aws:sns:us-east-1:111122223333:ops"}
	set, err := rules.Load(path, src, rules.Options{Vars: vars, CheckAction: actions.Check, Transitions: actions.Transitions})
	if err != nil {
		t.Fatal(err)
	}
	for file, o := range map[string]Options{
		"seeds.yaml":             {Rules: set, Vars: UsedVars(src, vars)},
		"seeds-org-central.yaml": {Rules: set, Vars: UsedVars(src, vars), Org: true},
		"seeds-org-member.yaml":  {Rules: set, Vars: UsedVars(src, vars), Org: true},
		"seeds-org-central-scan.yaml": {Rules: set, Vars: UsedVars(src, vars), Org: true, ScanSchedule: "rate(6 hours)",
			ScanRegions: []string{"us-east-1", "eu-west-1", "ap-southeast-2"}},
		// Rules driven by time: the stack's timer scans them.
		"owners.yaml": {Rules: owners(t), Timer: "rate(5 minutes)"},
	} {
		build := Central
		if strings.Contains(file, "member") {
			build = Member
		}
		tmpl, err := build(o)
		if err != nil {
			t.Fatal(err)
		}
		want, err := tmpl.YAML()
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("..", "examples", "deploy", file))
		if err != nil || string(got) != string(want) {
			t.Errorf("examples/deploy/%s is not what deploy template writes today (err %v): regenerate it with\n"+
				"  go run ./cmd/ec2guard deploy template -r examples/seeds.yaml --var topic=%s [--org [--member] | --org --scan-schedule 'rate(6 hours)' --scan-regions us-east-1,eu-west-1,ap-southeast-2] -o examples/deploy/%s\n"+
				"or, for owners.yaml, go run ./cmd/ec2guard deploy template -r examples/owners.yaml -o examples/deploy/owners.yaml", file, err, vars["topic"], file)
		}
	}
}

func TestScanSchedule(t *testing.T) {
	set, src := seeds(t)
	tmpl, err := Central(Options{Rules: set, Vars: UsedVars(src, map[string]string{"topic": topic}), ScanSchedule: "rate(1 hour)"})
	if err != nil {
		t.Fatal(err)
	}
	r, ok := tmpl.Resources["ScanSchedule"]
	if !ok || r.Properties["ScheduleExpression"] != "rate(1 hour)" {
		t.Fatalf("schedule rule %+v", r)
	}
	if _, ok := tmpl.Resources["ScanScheduleInvoke"]; !ok {
		t.Fatal("no permission for the schedule to invoke the function")
	}
	if _, ok := templates(t)["single.yaml"].Resources["ScanSchedule"]; ok {
		t.Error("a scan schedule without --scan-schedule")
	}
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatal("cfn-lint is not installed (pip install cfn-lint)")
	}
	dir := write(t, map[string]*Template{"scheduled.yaml": tmpl})
	if out, err := exec.Command(lint, filepath.Join(dir, "scheduled.yaml")).CombinedOutput(); err != nil {
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
	for _, bad := range []string{"every hour", "rate(1 hour", "at(2026-01-01T00:00:00)"} {
		if _, err := Central(Options{Rules: set, ScanSchedule: bad}); err == nil {
			t.Errorf("schedule %q accepted", bad)
		}
	}
}

// deploy policy: the execution role's statements with concrete ARNs, for roles made outside
// CloudFormation; as narrow as the template's, and clean for iam check.
func TestPolicy(t *testing.T) {
	set, _ := seeds(t)
	b, err := Policy(PolicyOptions{Options: Options{Rules: set}, Account: "123456789012", Region: "us-east-1", Table: "ec2guard-state", AssumeRole: "ec2guard-remediation", OrgID: "o-abcdefghij",
		Queue: "arn:aws:sqs:us-east-1:123456789012:ec2guard"})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := policy.Parse("policy.json", b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	ev, err := eval.Compile(eval.PolicySet{Identity: []*policy.Document{doc}})
	if err != nil {
		t.Fatal(err)
	}
	const inst = "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"
	for _, c := range []struct {
		action, resource string
		ctx              eval.Context
		want             eval.Effect
	}{
		{"ec2:StartInstances", inst, eval.Context{"ec2:ResourceTag/Protected": {"true"}}, eval.Allowed},
		{"ec2:StartInstances", inst, nil, eval.ImplicitDeny},
		{"ec2:StartInstances", "arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc", eval.Context{"ec2:ResourceTag/Protected": {"true"}}, eval.ImplicitDeny},
		{"ec2:StopInstances", inst, eval.Context{"ec2:ResourceTag/SPECIAL_EXCEPTION": {"yes"}}, eval.ImplicitDeny},
		{"ec2:CreateTags", inst, eval.Context{"aws:TagKeys": {"Protected"}}, eval.ImplicitDeny},
		{"dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:123456789012:table/ec2guard-state", nil, eval.Allowed},
		{"dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:123456789012:table/other", nil, eval.ImplicitDeny},
		{"sts:AssumeRole", "arn:aws:iam::222222222222:role/ec2guard-remediation", eval.Context{"aws:ResourceOrgID": {"o-abcdefghij"}}, eval.Allowed},
		{"sts:AssumeRole", "arn:aws:iam::999999999999:role/ec2guard-remediation", eval.Context{"aws:ResourceOrgID": {"o-otherorgxyz"}}, eval.ImplicitDeny},
		{"sts:AssumeRole", "arn:aws:iam::999999999999:role/ec2guard-remediation", nil, eval.ImplicitDeny},
		{"sns:Publish", topic, nil, eval.Allowed},
		// serve's queue: what it does with it, on it only
		{"sqs:GetQueueAttributes", "arn:aws:sqs:us-east-1:123456789012:ec2guard", nil, eval.Allowed},
		{"sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:123456789012:ec2guard", nil, eval.Allowed},
		{"sqs:ChangeMessageVisibility", "arn:aws:sqs:us-east-1:123456789012:ec2guard", nil, eval.Allowed},
		{"sqs:DeleteMessage", "arn:aws:sqs:us-east-1:123456789012:ec2guard", nil, eval.Allowed},
		{"sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:123456789012:other", nil, eval.ImplicitDeny},
		{"sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:ec2guard", nil, eval.ImplicitDeny},
		{"sqs:PurgeQueue", "arn:aws:sqs:us-east-1:123456789012:ec2guard", nil, eval.ImplicitDeny},
	} {
		if got := ev.Decide(eval.Request{Action: c.action, Resource: c.resource, Context: c.ctx}); got != c.want {
			t.Errorf("%s on %s %v = %s, want %s", c.action, c.resource, c.ctx, got, c.want)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "policy.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, res := iamCheck(t, dir)
	for _, f := range res.Findings {
		t.Errorf("%s %s: %s", f.ID, f.Statement, f.Message)
	}
}

// With overwrite: true the tag grant is the keys alone (the action may replace them).
func TestTagOverwriteGrant(t *testing.T) {
	set := loadRules(t, `rules:
  - name: retag
    pattern: {source: [aws.ec2]}
    actions: [{tag: {tags: {Team: x}, overwrite: true}}]
`)
	got, _ := json.Marshal(actionStatements(set, false)[0]["Condition"])
	if string(got) != `{"ForAllValues:StringEquals":{"aws:TagKeys":["Team"]}}` {
		t.Errorf("condition %s", got)
	}
}

// The central bus admits PutEvents from the members' forwarding role alone, inside the
// Organization, of AWS's sources alone: the bus policy as the resource policy of iam simulate's
// evaluator (a caller of a member account needs it to allow, whatever its own policy says).
func TestCentralBusAdmitsOnlyTheForwarder(t *testing.T) {
	st := templates(t)["central.yaml"].Resources["OrganizationEvents"].Properties["Statement"]
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": st})
	resolve := strings.NewReplacer(`{"Ref":"OrganizationId"}`, `"o-abcdefghij"`, `{"Fn::Sub":"arn:${AWS::Partition}:iam::*:role/ec2guard-forwarder"}`, `"arn:aws:iam::*:role/ec2guard-forwarder"`,
		`{"Fn::Sub":"arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default"}`, `"arn:aws:events:us-east-1:111122223333:event-bus/default"`)
	busFile := filepath.Join(t.TempDir(), "bus.json")
	bus, err := policy.Parse(busFile, []byte(resolve.Replace(string(b))))
	if err != nil || strings.Contains(resolve.Replace(string(b)), "Fn::") {
		t.Fatalf("%v: %s", err, resolve.Replace(string(b)))
	}
	// A member's caller is of another account: its own policy allowing PutEvents is not
	// enough, the bus policy must allow too, so the bus policy alone is what decides.
	ev, err := eval.Compile(eval.PolicySet{Resource: []*policy.Document{bus}})
	if err != nil {
		t.Fatal(err)
	}
	const forwarder = "arn:aws:iam::222222222222:role/ec2guard-forwarder"
	for _, c := range []struct {
		name, principal, org, source string
		want                         eval.Effect
	}{
		{"the forwarder, an EC2 event", forwarder, "o-abcdefghij", "aws.ec2", eval.Allowed},
		{"the forwarder, a finding", forwarder, "o-abcdefghij", "aws.securityhub", eval.Allowed},
		{"the forwarder, a custom source", forwarder, "o-abcdefghij", "mallory.app", eval.ImplicitDeny},
		{"another role of a member", "arn:aws:iam::222222222222:role/developer", "o-abcdefghij", "aws.ec2", eval.ImplicitDeny},
		{"a user of a member", "arn:aws:iam::222222222222:user/mallory", "o-abcdefghij", "mallory.app", eval.ImplicitDeny},
		{"a forwarder-named role outside the Organization", "arn:aws:iam::999999999999:role/ec2guard-forwarder", "o-otherorgxyz", "aws.ec2", eval.ImplicitDeny},
	} {
		ctx := eval.Context{"aws:PrincipalArn": {c.principal}, "aws:PrincipalOrgID": {c.org}, "events:source": {c.source},
			"aws:PrincipalAccount": {strings.Split(c.principal, ":")[4]}}
		req := eval.Request{Principal: c.principal, Action: "events:PutEvents", Resource: "arn:aws:events:us-east-1:111122223333:event-bus/default", Context: ctx}
		if got := ev.Decide(req); got != c.want {
			t.Errorf("%s: %s", c.name, got)
		}
	}
}

// deploy policy --assume-role needs the Organization, as the template has it.
func TestPolicyAssumeRoleNeedsTheOrganization(t *testing.T) {
	set, _ := seeds(t)
	for _, o := range []PolicyOptions{
		{Options: Options{Rules: set}, AssumeRole: "ec2guard-remediation"},
		{Options: Options{Rules: set}, AssumeRole: "ec2guard-remediation", OrgID: "123456789012"},
		{Options: Options{Rules: set}, OrgID: "o-abcdefghij"},
	} {
		if b, err := Policy(o); err == nil {
			t.Errorf("%+v accepted:\n%s", o, b)
		}
	}
}

// A rule with a grace may write and remove its pending tag, and only that key.
func TestGraceGrant(t *testing.T) {
	set := loadRules(t, `rules:
  - name: late
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification]}
    grace: 3d
    actions: [stop]
`)
	sts := actionStatements(set, true)
	got, _ := json.Marshal(sts[len(sts)-1])
	want := `{"Action":["ec2:CreateTags","ec2:DeleteTags"],"Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["ec2guard:pending:late"]},"ForAnyValue:StringEquals":{"aws:TagKeys":["ec2guard:pending:late"]}},"Effect":"Allow","Resource":[{"Fn::Sub":"arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/*"}],"Sid":"LateGrace"}`
	if string(got) != want {
		t.Errorf("grace statement\n%s\nwant\n%s", got, want)
	}
}

// owners is the rule set of examples/owners.yaml.
func owners(t *testing.T) *rules.Set {
	t.Helper()
	file := filepath.Join("..", "examples", "owners.yaml")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.Load(file, src, rules.Options{CheckAction: actions.Check, Transitions: actions.Transitions})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// The templates of examples/owners.yaml (a grace, exceptions, a schedule) pass cfn-lint, and
// iam check finds one thing only: the stop of the rule that spares instances by expiring
// exceptions, not by a tag filter, is not scoped by a tag condition (IAM-EC2-7) — an
// instance whose exception expired carries the tag and must be stoppable.
func TestOwnerExampleTemplates(t *testing.T) {
	dir := write(t, templatesOf(t, Options{Rules: owners(t)}))
	_, res := iamCheck(t, dir)
	for _, f := range res.Findings {
		if f.ID != "IAM-EC2-7" || f.Statement != "StopWithoutExceptionStop" {
			t.Errorf("%s %s %s: %s (%v)", f.ID, f.Principal, f.Statement, f.Message, f.Loc)
		}
	}
	if len(res.Findings) != 3 { // the function role of the single and central templates, the member's role
		t.Errorf("%d findings, want IAM-EC2-7 of the three roles", len(res.Findings))
	}
	cfnLint(t, dir) // owners_test.go
}

// stoppedAMonth is a rule file with one time-driven rule.
const stoppedAMonth = `rules:
  - name: stopped-a-month
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    resources: [instance]
    filters: [{stopped-for: 30d}]
    actions: [stop]
`

// The timer: with time-driven rules and no scan schedule, an EventBridge schedule whose
// target hands the function its Scheduled Event with the timer's detail — what the input
// transformer writes parses as the timer's event, with the tick's id, time, account and
// region. None without such rules, none beside a scan schedule; an Organization's fanned out.
func TestTimer(t *testing.T) {
	idle := loadRules(t, stoppedAMonth)
	tmpl, err := Central(Options{Rules: idle, Timer: "rate(15 minutes)"})
	if err != nil {
		t.Fatal(err)
	}
	r, ok := tmpl.Resources["TimerSchedule"]
	if !ok || r.Properties["ScheduleExpression"] != "rate(15 minutes)" || !strings.Contains(r.Properties["Description"].(string), `rule "stopped-a-month" (stopped-for)`) {
		t.Fatalf("timer rule %+v", r)
	}
	if _, ok := tmpl.Resources["TimerScheduleInvoke"]; !ok {
		t.Fatal("no permission for the timer to invoke the function")
	}
	in := r.Properties["Targets"].([]any)[0].(map[string]any)["InputTransformer"].(map[string]any)
	// EventBridge puts each path's JSON value in place of its placeholder.
	scheduled := map[string]any{"id": "tick-1", "time": "2026-12-04T10:00:00Z", "account": "123456789012", "region": "eu-west-1", "resources": []any{"arn:aws:events:eu-west-1:123456789012:rule/timer"}}
	got := in["InputTemplate"].(string)
	for name, path := range in["InputPathsMap"].(map[string]any) {
		v, _ := json.Marshal(scheduled[strings.TrimPrefix(path.(string), "$.")])
		got = strings.ReplaceAll(got, "<"+name+">", string(v))
	}
	ev, err := event.Parse([]byte(got))
	if err != nil {
		t.Fatalf("the timer's input %s: %v", got, err)
	}
	if sch, timer := ev.Scheduled(); !sch || !timer || ev.ID != "tick-1" || ev.Time != "2026-12-04T10:00:00Z" || ev.Region != "eu-west-1" || ev.Account != "123456789012" {
		t.Fatalf("the timer's input %s: scheduled %v, timer %v, %+v", got, sch, timer, ev)
	}
	if sch, timer := (&event.Event{Source: "aws.events", DetailType: "Scheduled Event", Detail: json.RawMessage(`{}`)}).Scheduled(); !sch || timer {
		t.Fatal("a scan schedule's event taken for the timer's")
	}
	cfnLint(t, write(t, map[string]*Template{"timer.yaml": tmpl}))

	seedSet, _ := seeds(t)
	for name, o := range map[string]Options{
		"no time-driven rule":  {Rules: seedSet, Vars: map[string]string{"topic": topic}, Timer: "rate(15 minutes)"},
		"a scan schedule":      {Rules: idle, Timer: "rate(15 minutes)", ScanSchedule: "rate(1 hour)"},
		"the timer turned off": {Rules: idle},
		"a rule its events alone apply": {Rules: loadRules(t, `rules:
  - name: owner-tag
    pattern: {source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances]}}
    min-age: 10m
    actions: [{tag: {tags: {Owner: "{{.UserName}}"}}}]
`), Timer: "rate(15 minutes)"},
	} {
		tmpl, err := Central(o)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, ok := tmpl.Resources["TimerSchedule"]; ok {
			t.Errorf("%s: a timer", name)
		}
	}
	// An Organization's timer is fanned out over the queue of a scheduled scan; its parts
	// judge no control, so it sends no finding to Security Hub.
	org, err := Central(Options{Rules: idle, Timer: "rate(15 minutes)", Org: true})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := org.Resources["TimerSchedule"].Properties["Description"].(string); !strings.Contains(d, "every account and region") || org.Resources["ScanQueue"].Type != "AWS::SQS::Queue" {
		t.Errorf("an Organization's timer: %q, queue %+v", d, org.Resources["ScanQueue"])
	}
	cfnLint(t, write(t, map[string]*Template{"org-timer.yaml": org}))
	hubSet, err := rules.Load("hub.yaml", []byte(stoppedAMonth+"  - control: EC2.8\n"), rules.Options{Controls: controls.RuleSource, CheckAction: actions.Check})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Central(Options{Rules: hubSet, Timer: "rate(15 minutes)", Org: true, SecurityHub: true}); err == nil || !strings.Contains(err.Error(), "--scan-schedule") {
		t.Errorf("Security Hub from a timer alone: %v", err)
	}
	if _, err := Central(Options{Rules: idle, Timer: "every 15 minutes"}); err == nil || !strings.Contains(err.Error(), "timer") {
		t.Errorf("a bad timer expression: %v", err)
	}
}
