package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

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

// Forged CloudTrail events through serve --assume-role: the event's account chooses where the
// resource is read and tagged, and there the same checks hold. Nothing of the member's is
// tagged by an event that does not match its launch; the genuine event of the member's launch
// tags exactly it, its volume and its interface, in the member account.
func TestServeForgedEventsAcrossAccountsOnMoto(t *testing.T) {
	w := newWorld(t)
	const member, role = "222222222222", "ec2guard-remediation"
	m := &world{Fleet: w.InAccount(member, role), t: t, topic: w.topic}
	victim := m.Run(nil, false)
	own := w.Run(nil, false)
	mallory := `{"type":"IAMUser","principalId":"AIDAMALLORY","arn":"arn:aws:iam::123456789012:user/mallory","accountId":"123456789012","userName":"mallory"}`
	dev := `{"type":"AssumedRole","principalId":"AROAMEMBER:dana","arn":"arn:aws:sts::222222222222:assumed-role/Dev/dana","accountId":"222222222222","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::222222222222:role/Dev","userName":"Dev"}}}`
	inAccount := func(ev, account string) string {
		return strings.Replace(ev, `"account":"123456789012"`, `"account":"`+account+`"`, 1)
	}
	// The member's instance named with the reservation and time of mallory's own launch.
	ownEv := w.runInstances("x", own, mallory, "")
	victimEv := m.runInstances("x", victim, dev, "")
	reservation := func(ev string) string {
		_, r, _ := strings.Cut(ev, `"reservationId":"`)
		r, _, _ = strings.Cut(r, `"`)
		return r
	}
	forgedVictim := strings.Replace(strings.Replace(ownEv, own, victim, 1), `"id":"x"`, `"id":"forged-1"`, 1)
	events := map[string]string{
		"forged-1": inAccount(forgedVictim, member),
		// mallory's own genuine call, claimed to be the member's: no such instance there.
		"forged-2": inAccount(strings.Replace(ownEv, `"id":"x"`, `"id":"forged-2"`, 1), member),
		// the member's genuine call, claimed in ec2guard's own account: no such instance here.
		"forged-3": strings.Replace(strings.Replace(victimEv, `"id":"x"`, `"id":"forged-3"`, 1), `"account":"222222222222"`, `"account":"123456789012"`, 1),
		"genuine":  inAccount(strings.Replace(victimEv, `"id":"x"`, `"id":"genuine"`, 1), member),
	}
	queue, _ := newQueue(t, w, "ec2guard-org-events", nil)
	sqsc := sqs.NewFromConfig(w.Cfg)
	for _, id := range []string{"forged-1", "forged-2", "forged-3", "genuine"} {
		if _, err := sqsc.SendMessage(w.Ctx, &sqs.SendMessageInput{QueueUrl: &queue, MessageBody: aws.String(events[id])}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int)
	go func() {
		done <- Run(ctx, []string{"serve", "-r", filepath.Join("..", "examples", "seeds.yaml"), "--var", "topic=" + w.topic,
			"--queue", queue, "--no-state", "--assume-role", role}, strings.NewReader(""), &out, &errOut)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(out.String(), "\n") < 4 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d\n%s", code, errOut.String())
	}
	got := map[string]engine.Decision{}
	for _, d := range decisions(t, out.String()) {
		got[d.EventID] = d
	}
	want := map[string]struct {
		outcome engine.Outcome
		reason  string
	}{
		"forged-1": {engine.Skipped, "does not match the resource: " + victim + " is in reservation " + reservation(victimEv) + ", the event's is " + reservation(ownEv)},
		"forged-2": {engine.Skipped, "does not match the resource: EC2 has no instance " + own},
		"forged-3": {engine.Skipped, "does not match the resource: EC2 has no instance " + victim},
		"genuine":  {engine.Applied, "tagged "},
	}
	for id, wd := range want {
		d, ok := got[id]
		if !ok || d.Outcome != wd.outcome || !strings.Contains(d.Reason, wd.reason) {
			t.Errorf("%s: %+v, want %s %q\n%s", id, d, wd.outcome, wd.reason, errOut.String())
		}
	}
	if d := got["genuine"]; d.Account != member {
		t.Errorf("genuine event decided in account %q", d.Account)
	}
	victimParts := m.Attached(victim)
	for _, id := range append(victimParts, victim) {
		if tags := m.Tags(id); tags["Owner"] != "dana" || tags["PrincipalId"] != "AROAMEMBER:dana" {
			t.Errorf("member's %s tags = %v, want dana's", id, tags)
		}
	}
	ownParts := w.Attached(own)
	for _, id := range append(ownParts, own) {
		if tags := w.Tags(id); len(tags) != 0 {
			t.Errorf("own account's %s was tagged: %v", id, tags)
		}
	}
}
