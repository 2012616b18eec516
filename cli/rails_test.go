package cli

import (
	"strings"
	"testing"
)

// A failed action and a rejected input in one run: the failure wins (exit 1), and both are said.
func TestHandleFailureWinsOverRejected(t *testing.T) {
	w := newWorld(t)
	id := w.Run(nil, false)
	dir := t.TempDir()
	rulesFile := writeFile(t, dir, "r.yaml", `rules:
  - name: tell
    pattern: {source: [aws.ec2], detail: {state: [running]}}
    actions: [{notify: {topic: "arn:aws:sns:us-east-1:123456789012:no-such-topic"}}]
    mode: enforce
`)
	input := stateChange("e1", id, "running") + "\n" + `{"not":"an event"}`
	code, out, errOut := runCLI(t, input, "handle", "-r", rulesFile, "--no-state")
	var outcomes []string
	for _, d := range decisions(t, out) {
		outcomes = append(outcomes, string(d.Outcome))
	}
	if code != ExitFindings || strings.Join(outcomes, ",") != "failed,rejected" {
		t.Fatalf("exit %d, outcomes %v, want 1 and failed,rejected\n%s", code, outcomes, errOut)
	}
	if !strings.Contains(errOut, "1 action failed (see the failed records); 1 input was not a valid event") {
		t.Errorf("stderr %q", errOut)
	}
	// Alone, a rejected input is still exit 3.
	if code, _, errOut := runCLI(t, `{"not":"an event"}`, "handle", "-r", rulesFile, "--no-state"); code != ExitRejected || !strings.Contains(errOut, "1 input was not a valid event (see the rejected records)") {
		t.Fatalf("rejected alone: exit %d %s", code, errOut)
	}
}

// A --state file that is not a ledger stops handle at start (exit 2), naming the file.
func TestHandleGarbageStateFile(t *testing.T) {
	dir := t.TempDir()
	state := writeFile(t, dir, "state.db", strings.Repeat("garbage\n", 512))
	code, out, errOut := runCLI(t, stateChange("e1", "i-1", "stopped"), "handle", "-r", "../examples/seeds.yaml", "--var", "topic=arn:aws:sns:us-east-1:123456789012:ops", "--state", state)
	if code != ExitUsage || out != "" || !strings.Contains(errOut, "ec2guard: "+state+" is not an ec2guard state file: it is not a bbolt database") {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
}
