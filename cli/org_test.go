package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/mototest"
)

// restartProtected is seed 000's guardrail alone.
const restartProtected = `rules:
  - name: restart-protected
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    filters: [{tag: Protected, equals: "true"}]
    actions: [start]
    mode: enforce
`

// An Organization: an event of a member account is acted on in that account, through its
// remediation role (--assume-role, EC2GUARD_ASSUME_ROLE in the deployed function); events of
// ec2guard's own account use its own credentials.
func TestHandleInMemberAccountOnMoto(t *testing.T) {
	w := newWorld(t)
	const member, role = "222222222222", "ec2guard-remediation"
	m := w.InAccount(member, role)
	remote := m.Run(map[string]string{"Protected": "true"}, true)
	local := w.Run(map[string]string{"Protected": "true"}, true)
	rulesFile := writeFile(t, t.TempDir(), "r.yaml", restartProtected)
	event := func(id, account, instance string) string {
		return strings.Replace(stateChange(id, instance, "stopped"), `"account":"123456789012"`, fmt.Sprintf("%q:%q", "account", account), 1)
	}

	// Without the role, the member's instance is not found in ec2guard's own account.
	code, out, errOut := runCLI(t, event("e1", member, remote), "handle", "-r", rulesFile, "--no-state")
	ds := decisions(t, out)
	if code != 0 || len(ds) != 1 || ds[0].Outcome != engine.Skipped || !strings.Contains(ds[0].Reason, "no longer exists") {
		t.Fatalf("without a role: exit %d %+v\n%s", code, ds, errOut)
	}
	if m.State(remote) != "stopped" {
		t.Fatal("the member's instance changed without the role")
	}

	// With it: started in the member account; the own account's event uses own credentials.
	input := event("e2", member, remote) + "\n" + event("e3", mototest.AccountID, local)
	code, out, errOut = runCLI(t, input, "handle", "-r", rulesFile, "--no-state", "--assume-role", role)
	ds = decisions(t, out)
	if code != 0 || len(ds) != 2 || ds[0].Outcome != engine.Applied || ds[1].Outcome != engine.Applied || ds[0].Account != member {
		t.Fatalf("with the role: exit %d %+v\n%s", code, ds, errOut)
	}
	if s := m.State(remote); s != "running" && s != "pending" {
		t.Errorf("member instance is %s", s)
	}
	if s := w.State(local); s != "running" && s != "pending" {
		t.Errorf("own instance is %s", s)
	}
	t.Setenv("EC2GUARD_ASSUME_ROLE", role)
	m.Stop(remote)
	code, out, errOut = runCLI(t, event("e4", member, remote), "handle", "-r", rulesFile, "--no-state")
	if ds = decisions(t, out); code != 0 || len(ds) != 1 || ds[0].Outcome != engine.Applied {
		t.Fatalf("EC2GUARD_ASSUME_ROLE: exit %d %+v\n%s", code, ds, errOut)
	}
}

// scan --account: an Organization's member accounts scanned and acted on through their role.
func TestScanMemberAccountsOnMoto(t *testing.T) {
	w := newWorld(t)
	const role = "ec2guard-remediation"
	a, b := w.InAccount("222222222222", role), w.InAccount("333333333333", role)
	stoppedA := a.Run(map[string]string{"Protected": "true"}, true)
	stoppedB := b.Run(map[string]string{"Protected": "true"}, true)
	own := w.Run(map[string]string{"Protected": "true"}, true)
	rulesFile := writeFile(t, t.TempDir(), "r.yaml", restartProtected)
	if code, _, errOut := runCLI(t, "", "scan", "-r", rulesFile, "--no-state", "--account", "222222222222"); code != ExitUsage || !strings.Contains(errOut, "--assume-role") {
		t.Fatalf("--account without a role: exit %d\n%s", code, errOut)
	}
	code, out, errOut := runCLI(t, "", "scan", "-r", rulesFile, "--no-state", "--assume-role", role, "--account", "222222222222,333333333333")
	if code != 0 || !strings.Contains(errOut, "2 instances") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	accounts := map[string]string{}
	for _, d := range decisions(t, out) {
		if d.Outcome != engine.Applied {
			t.Errorf("%+v", d)
		}
		accounts[d.Resource] = d.Account
	}
	if accounts[stoppedA] != "222222222222" || accounts[stoppedB] != "333333333333" {
		t.Errorf("accounts of the decisions: %v", accounts)
	}
	for _, c := range []struct {
		f  *mototest.Fleet
		id string
	}{{a, stoppedA}, {b, stoppedB}} {
		if s := c.f.State(c.id); s != "running" && s != "pending" {
			t.Errorf("%s is %s", c.id, s)
		}
	}
	if w.State(own) != "stopped" {
		t.Error("the own account was scanned although --account named others")
	}
}
