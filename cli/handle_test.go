package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/mototest"
)

type world struct {
	t     *testing.T
	ctx   context.Context
	ec2   *ec2.Client
	topic string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	if err := mototest.Current(t).Reset(ctx); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	topic, err := sns.NewFromConfig(cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("ops")})
	if err != nil {
		t.Fatal(err)
	}
	return &world{t: t, ctx: ctx, ec2: ec2.NewFromConfig(cfg), topic: *topic.TopicArn}
}

func (w *world) instance(tags map[string]string, stopped bool) string {
	w.t.Helper()
	imgs, err := w.ec2.DescribeImages(w.ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil || len(imgs.Images) == 0 {
		w.t.Fatalf("no AMI: %v", err)
	}
	spec := ec2types.TagSpecification{ResourceType: ec2types.ResourceTypeInstance}
	for k, v := range tags {
		spec.Tags = append(spec.Tags, ec2types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	in := &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, MinCount: aws.Int32(1), MaxCount: aws.Int32(1)}
	if len(spec.Tags) > 0 {
		in.TagSpecifications = []ec2types.TagSpecification{spec}
	}
	out, err := w.ec2.RunInstances(w.ctx, in)
	if err != nil {
		w.t.Fatal(err)
	}
	id := *out.Instances[0].InstanceId
	if stopped {
		if _, err := w.ec2.StopInstances(w.ctx, &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
			w.t.Fatal(err)
		}
	}
	return id
}

func (w *world) state(id string) string {
	out, err := w.ec2.DescribeInstances(w.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		w.t.Fatal(err)
	}
	return string(out.Reservations[0].Instances[0].State.Name)
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
	protected := w.instance(map[string]string{"Protected": "true"}, true)
	rogue := w.instance(nil, false)
	excepted := w.instance(map[string]string{"SPECIAL_EXCEPTION": "yes"}, false)
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
	if w.state(protected) != "stopped" || w.state(rogue) != "running" {
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
	if w.state(protected) != "running" || w.state(rogue) != "stopped" || w.state(excepted) != "running" {
		t.Fatalf("states: protected %s, rogue %s, excepted %s", w.state(protected), w.state(rogue), w.state(excepted))
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
	code, out, errOut := runCLI(t, stateChange("e1", "i-1", "pending"), "handle", "-r", filepath.Join("..", "examples", "seeds.yaml"), "--var", "topic=t", "--no-state")
	ds := decisions(t, out)
	if code != 0 || len(ds) != 1 || ds[0].Reason != "no rule matched" {
		t.Fatalf("exit %d %+v %s", code, ds, errOut)
	}
}
