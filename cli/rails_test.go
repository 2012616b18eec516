package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/engine"
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

// Consecutive handle processes with one --state file share the loop budget it holds.
func TestHandleProcessesShareTheFileBudget(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	rulesFile := writeFile(t, dir, "r.yaml", `rules:
  - name: restart
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    filters: [{tag: Protected, equals: "true"}]
    actions: [start]
    mode: enforce
`)
	state := filepath.Join(dir, "ledger.db")
	id := w.Run(map[string]string{"Protected": "true"}, true)
	// handle runs one event in a process of its own.
	handle := func(eventID string) engine.Decision {
		t.Helper()
		cmd := ec2guardProcess(t, nil, "handle", "-r", rulesFile, "--state", state, "--loop-budget", "1")
		cmd.Stdin = strings.NewReader(stateChange(eventID, id, "stopped"))
		var errOut strings.Builder
		cmd.Stderr = &errOut
		out, err := cmd.Output()
		ds := decisions(t, string(out))
		if err != nil || len(ds) != 1 {
			t.Fatalf("%v %+v\n%s", err, ds, errOut.String())
		}
		return ds[0]
	}
	if d := handle("e1"); d.Outcome != engine.Applied {
		t.Fatalf("first process: %+v", d)
	}
	w.Stop(id)
	if d := handle("e2"); d.Outcome != engine.Suppressed || !strings.Contains(d.Reason, "loop budget: 1 mutating action on instance:"+id) {
		t.Fatalf("second process: %+v", d)
	}
	if st := w.State(id); st != "stopped" {
		t.Fatalf("%s is %s: the second process acted", id, st)
	}
}
