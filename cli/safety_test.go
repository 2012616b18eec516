package cli

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ec2guard/ec2guard/engine"
)

// The loop budget and the blast-radius caps, wired through handle, on moto.
func TestHandleSafetyCapsOnMoto(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	rulesFile := writeFile(t, dir, "r.yaml", `rules:
  - name: restart-and-protect
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    filters: [{tag: Protected, equals: "true"}]
    actions: [start, {protect: {stop: true}}]
    mode: enforce
`)
	a := w.Run(map[string]string{"Protected": "true"}, true)
	b := w.Run(map[string]string{"Protected": "true"}, true)
	input := stateChange("e1", a, "stopped") + "\n" + stateChange("e2", b, "stopped")

	t.Run("loop budget", func(t *testing.T) {
		code, out, errOut := runCLI(t, stateChange("e1", a, "stopped"), "handle", "-r", rulesFile, "--no-state", "--loop-budget", "1")
		ds := decisions(t, out)
		if code != 0 || len(ds) != 2 || ds[0].Outcome != engine.Applied || ds[1].Outcome != engine.Suppressed || !strings.Contains(ds[1].Reason, "loop budget") {
			t.Fatalf("exit %d %+v\n%s", code, ds, errOut)
		}
		if !strings.Contains(errOut, "action suppressed") {
			t.Errorf("no warning logged: %s", errOut)
		}
	})
	t.Run("blast radius", func(t *testing.T) {
		if _, err := w.EC2.StopInstances(w.Ctx, stopInput(a)); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runCLI(t, input, "handle", "-r", rulesFile, "--no-state", "--max-actions", "1")
		ds := decisions(t, out)
		var outcomes []string
		for _, d := range ds {
			outcomes = append(outcomes, d.Resource+":"+d.Action+"="+string(d.Outcome))
		}
		want := []string{a + ":start=applied", a + ":protect=suppressed", b + ":start=suppressed", b + ":protect=suppressed"}
		if code != 0 || strings.Join(outcomes, ",") != strings.Join(want, ",") {
			t.Fatalf("exit %d\n%v\nwant %v\n%s", code, outcomes, want, errOut)
		}
		if w.State(b) != "stopped" {
			t.Fatalf("the capped action ran: %s is %s", b, w.State(b))
		}
	})

}

func stopInput(id string) *ec2.StopInstancesInput {
	return &ec2.StopInstancesInput{InstanceIds: []string{id}}
}
