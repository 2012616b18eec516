package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/mototest"
)

// world is a fleet on moto plus the managers' SNS topic.
type world struct {
	*mototest.Fleet
	t     *testing.T
	topic string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	f := mototest.NewFleet(t)
	topic, err := sns.NewFromConfig(f.Cfg).CreateTopic(f.Ctx, &sns.CreateTopicInput{Name: aws.String("ops")})
	if err != nil {
		t.Fatal(err)
	}
	return &world{Fleet: f, t: t, topic: *topic.TopicArn}
}

func stateChange(id, instance, state string) string {
	return fmt.Sprintf(`{"version":"0","id":%q,"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"2026-11-22T10:00:00Z","region":"us-east-1","resources":[],"detail":{"instance-id":%q,"state":%q}}`, id, instance, state)
}

func decisions(t *testing.T, out string) []engine.Decision {
	t.Helper()
	var ds []engine.Decision
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var d engine.Decision
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("decision line %q: %v", line, err)
		}
		ds = append(ds, d)
	}
	return ds
}

func TestHandleSeedsOnMoto(t *testing.T) {
	w := newWorld(t)
	protected := w.Run(map[string]string{"Protected": "true"}, true)
	rogue := w.Run(nil, false)
	excepted := w.Run(map[string]string{"SPECIAL_EXCEPTION": "yes"}, false)
	state := filepath.Join(t.TempDir(), "ledger.db")
	seeds := filepath.Join("..", "examples", "seeds.yaml")
	input := strings.Join([]string{
		stateChange("e1", protected, "stopped"),
		stateChange("e2", rogue, "running"),
		stateChange("e3", excepted, "running"),
		`{"not":"an event"}`,
	}, "\n")
	args := []string{"handle", "-r", seeds, "--var", "topic=" + w.topic, "--state", state}

	// Dry run first: nothing may change.
	code, out, errOut := runCLI(t, input, append(args, "--dry-run")...)
	if code != ExitRejected {
		t.Fatalf("dry run exit %d, want 3 (one rejected input)\n%s\n%s", code, out, errOut)
	}
	for _, d := range decisions(t, out) {
		if d.Outcome == engine.Applied {
			t.Fatalf("dry run applied %+v", d)
		}
	}
	if w.State(protected) != "stopped" || w.State(rogue) != "running" {
		t.Fatal("dry run changed an instance")
	}

	code, out, errOut = runCLI(t, input, args...)
	if code != ExitRejected {
		t.Fatalf("exit %d, want 3\n%s\n%s", code, out, errOut)
	}
	got := map[string]string{}
	for _, d := range decisions(t, out) {
		got[d.EventID+"/"+d.Rule+"/"+d.Action] = string(d.Outcome)
	}
	want := map[string]string{
		"e1/restart-protected/start":       "applied",
		"e1/restart-protected/notify":      "applied",
		"e2/stop-without-exception/stop":   "applied",
		"e2/stop-without-exception/notify": "applied",
		"e3/stop-without-exception/":       "skipped", // SPECIAL_EXCEPTION: the filter says no
		"//":                               "rejected",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if w.State(protected) != "running" || w.State(rogue) != "stopped" || w.State(excepted) != "running" {
		t.Fatalf("states: protected %s, rogue %s, excepted %s", w.State(protected), w.State(rogue), w.State(excepted))
	}

	// The same events again, in a new process: the ledger reports duplicates, nothing is redone.
	code, out, _ = runCLI(t, stateChange("e1", protected, "stopped"), args...)
	if ds := decisions(t, out); code != 0 || len(ds) != 2 || ds[0].Outcome != engine.Duplicate {
		t.Fatalf("replay: exit %d %+v", code, ds)
	}
	// A late "stopped" event (new id) for an instance that is running again: check-before-act.
	code, out, _ = runCLI(t, stateChange("e4", protected, "stopped"), args...)
	if ds := decisions(t, out); code != 0 || ds[0].Outcome != engine.Skipped || !strings.Contains(ds[0].Reason, "running: nothing to start") {
		t.Fatalf("late event: exit %d %+v", code, ds)
	}
}

func TestHandleNoMatchNeedsNoAWS(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1") // nothing listens: any AWS call would fail
	code, out, errOut := runCLI(t, stateChange("e1", "i-1", "pending"), "handle", "-r", filepath.Join("..", "examples", "seeds.yaml"), "--var", "topic=arn:aws:sns:us-east-1:123456789012:ops", "--no-state")
	ds := decisions(t, out)
	if code != 0 || len(ds) != 1 || ds[0].Reason != "no rule matched" {
		t.Fatalf("exit %d %+v %s", code, ds, errOut)
	}
}

// A failed action's record says what was being done (reason) and why it failed (error), each
// once, and the text format prints each once.
func TestFailedRecordSaysWhatAndWhy(t *testing.T) {
	w := newWorld(t)
	id := w.Run(nil, false)
	topic := "arn:aws:sns:us-east-1:123456789012:no-such-topic"
	rulesFile := writeFile(t, t.TempDir(), "r.yaml", `rules:
  - name: tell
    pattern: {source: [aws.ec2], detail: {state: [running]}}
    actions: [{notify: {topic: "`+topic+`"}}]
    mode: enforce
`)
	code, out, errOut := runCLI(t, stateChange("e1", id, "running"), "handle", "-r", rulesFile, "--no-state")
	ds := decisions(t, out)
	if code != ExitFindings || len(ds) != 1 {
		t.Fatalf("exit %d, records %+v\n%s", code, ds, errOut)
	}
	d := ds[0]
	if d.Outcome != engine.Failed || d.Reason != "publishing to "+topic || !strings.Contains(d.Error, "NotFound") || strings.Contains(d.Error, "publishing") {
		t.Fatalf("record %+v", d)
	}
	_, text, _ := runCLI(t, stateChange("e1", id, "running"), "handle", "-r", rulesFile, "--no-state", "--format", "text")
	want := fmt.Sprintf("%-10s %-24s %-7s %-21s %s: ", "failed", "tell", "notify", id, d.Reason)
	if !strings.HasPrefix(text, want) || strings.Count(text, "NotFound") != 1 || strings.Count(text, "publishing") != 1 {
		t.Fatalf("text %q, want it to begin %q and give the error once", text, want)
	}
}

// Every reject says where its input was, in the input's words: one reject for a truncated
// pretty-printed event, where it starts; a byte order mark is skipped.
func TestHandleRejectsSayWhere(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1") // nothing listens: no AWS call is needed
	dir := t.TempDir()
	seeds := []string{"handle", "-r", filepath.Join("..", "examples", "seeds.yaml"), "--var", "topic=arn:aws:sns:us-east-1:123456789012:ops", "--no-state", "--dry-run"}
	badTarget := writeFile(t, dir, "bad.json", stateChange("e1", "i-1", "pending")+"\n"+
		`{"version":"0","id":"e2","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{"instance-id":5,"state":"stopped"}}`+"\n")
	pretty, err := os.ReadFile(filepath.Join("..", "examples", "events", "instance-stopped.json"))
	if err != nil {
		t.Fatal(err)
	}
	truncated := writeFile(t, dir, "truncated.json", "\n"+string(pretty[:len(pretty)/2]))
	bom := writeFile(t, dir, "bom.json", "\ufeff"+strings.Replace(string(pretty), `"stopped"`, `"pending"`, 1))
	type rec struct{ outcome, reason, err string }
	for _, c := range []struct {
		name string
		args []string
		want []rec
	}{
		{"engine reject", []string{badTarget}, []rec{
			{"skipped", "no rule matched", ""},
			{"rejected", "cannot read the resources of the event at " + badTarget + ":2", "state-change event e2: detail.instance-id: expected a string, got a number"},
		}},
		{"truncated pretty event", []string{truncated}, []rec{{"rejected", "invalid event at " + truncated + ":2", "unexpected end of input"}}},
		{"byte order mark", []string{bom}, []rec{{"skipped", "no rule matched", ""}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, out, errOut := runCLI(t, "", append(seeds, c.args...)...)
			ds := decisions(t, out)
			if len(ds) != len(c.want) {
				t.Fatalf("records %+v, want %v\n%s", ds, c.want, errOut)
			}
			for i, w := range c.want {
				d := ds[i]
				if string(d.Outcome) != w.outcome || (w.reason != "" && d.Reason != w.reason) || d.Error != w.err {
					t.Errorf("record %d: %s %q %q, want %s %q %q", i, d.Outcome, d.Reason, d.Error, w.outcome, w.reason, w.err)
				}
			}
		})
	}
}

// A folder given as input is named as one, with what to give instead.
func TestHandleFolder(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "", "handle", "-r", filepath.Join("..", "examples", "seeds.yaml"), "--var", "topic=arn:aws:sns:us-east-1:123456789012:ops", "--no-state", dir)
	if want := "ec2guard: " + dir + " is a folder: name its files (" + filepath.Join(dir, "*.json") + ")\n"; code != ExitUsage || out != "" || errOut != want {
		t.Fatalf("exit %d, stdout %q, stderr %q, want %q", code, out, errOut, want)
	}
}
