package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"testing"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/source"
)

// The Lambda handler with the real engine and actions, called the way the runtime calls it,
// against moto.
func TestLambdaHandlerOnMoto(t *testing.T) {
	w := newWorld(t)
	id := w.Run(map[string]string{"Protected": "true"}, true)
	f := engineFlags{ruleFlags: ruleFlags{file: filepath.Join("..", "examples", "seeds.yaml"), vars: []string{"topic=" + w.topic}},
		noState: true, detectSelf: true, maxPerRun: -1, maxPerMinute: 30, loopBudget: 3}
	eng, closeFn, err := f.build(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	var log bytes.Buffer
	handler := source.LambdaHandler(eng, &log)
	res, err := handler(context.Background(), json.RawMessage(stateChange("lambda-1", id, "stopped")))
	if err != nil {
		t.Fatalf("invocation failed: %v", err)
	}
	if len(res.Decisions) != 2 || res.Decisions[0].Outcome != engine.Applied || res.Decisions[1].Action != "notify" {
		t.Fatalf("%+v", res.Decisions)
	}
	if w.State(id) != "running" {
		t.Fatalf("instance is %s", w.State(id))
	}
	if n := len(decisions(t, log.String())); n != 2 {
		t.Fatalf("%d decision records in the function log, want 2", n)
	}
}
