package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/mototest"
)

// An Organization: an event of a member account is acted on in that account, through its
// remediation role (--assume-role, EC2GUARD_ASSUME_ROLE in the deployed function); events of
// ec2guard's own account use its own credentials.
func TestHandleInMemberAccountOnMoto(t *testing.T) {
	w := newWorld(t)
	const member, role = "222222222222", "ec2guard-remediation"
	m := w.InAccount(member, role)
	remote := m.Run(map[string]string{"Protected": "true"}, true)
	local := w.Run(map[string]string{"Protected": "true"}, true)
	rulesFile := writeFile(t, t.TempDir(), "r.yaml", `rules:
  - name: restart-protected
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    filters: [{tag: Protected, equals: "true"}]
    actions: [start]
    mode: enforce
`)
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
