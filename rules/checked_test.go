package rules_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/rules"
)

// Errors of the checks package actions supplies, as validate, deploy and the run see them.
func TestLoadChecked(t *testing.T) {
	tests := []struct {
		name, src string   // loaded as validate, deploy and the run load it
		want      []string // "line:col: message part"
	}{
		{"notify topic not an ARN, at the value", "rules:\n  - name: a\n    pattern: {source: [x]}\n    actions:\n      - notify:\n          subject: hi\n          topic: not-an-arn\n",
			[]string{`7:18: action "notify": parameter "topic": "not-an-arn" is not an SNS topic ARN (arn:PARTITION:sns:REGION:ACCOUNT:NAME)`}},
		{"notify topic an SQS ARN after the variable is filled", "rules:\n  - name: a\n    pattern: {source: [x]}\n    actions:\n      - notify: {topic: \"${var:queue}\"}\n",
			[]string{`5:25: action "notify": parameter "topic": "arn:aws:sqs:us-east-1:123456789012:q" is an ARN of sqs, not of an SNS topic`}},
		{"protect with nothing to do: refused where it is loaded, not only when built", "rules:\n  - name: a\n    pattern: {source: [x]}\n    actions: [{protect: {}}]\n",
			[]string{`4:15: action "protect": protect needs stop and/or termination`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rules.Load("f.yaml", []byte(tt.src), rules.Options{ParseAction: actions.ParseSpec, Transitions: actions.Transitions,
				Vars: map[string]string{"queue": "arn:aws:sqs:us-east-1:123456789012:q"}})
			rules.WantErrors(t, err, tt.want)
		})
	}
}

// calls counts the runs of a notify-only rule's action.
type calls struct{ n int }

func (c *calls) Name() string   { return "notify" }
func (c *calls) Mutating() bool { return false }
func (c *calls) Do(context.Context, engine.Invocation) engine.Result {
	c.n++
	return engine.Result{}
}

// What the reach check says is what the engine does: a notify-only rule on StopInstances,
// loaded without the check, matches the event and runs nothing — not even its notify.
func TestReachIsTheEnginesTruth(t *testing.T) {
	src := []byte("rules:\n  - name: tell\n    pattern: {detail: {eventName: [StopInstances]}}\n    actions: [{notify: {topic: \"arn:aws:sns:us-east-1:123456789012:ops\"}}]\n    mode: enforce\n")
	if _, err := rules.Load("f.yaml", src, rules.Options{CheckAction: actions.Check, Reach: true}); err == nil || !strings.Contains(err.Error(), "CloudTrail StopInstances") {
		t.Fatalf("validate: %v", err)
	}
	set, err := rules.Load("f.yaml", src, rules.Options{CheckAction: actions.Check})
	if err != nil {
		t.Fatal(err)
	}
	c := &calls{}
	eng, err := engine.New(engine.Config{Rules: set, NewAction: func(rules.ActionSpec) (engine.Action, error) { return c, nil }})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := event.Parse([]byte(`{"id":"e1","source":"aws.ec2","detail-type":"AWS API Call via CloudTrail","account":"123456789012","region":"us-east-1",` +
		`"detail":{"eventName":"StopInstances","eventSource":"ec2.amazonaws.com","requestParameters":{"instancesSet":{"items":[{"instanceId":"i-1"}]}},"responseElements":{"instancesSet":{"items":[{"instanceId":"i-1"}]}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	ds := eng.Handle(context.Background(), ev)
	if c.n != 0 || len(ds) != 1 || ds[0].Rule != "tell" || ds[0].Outcome != engine.Skipped || ds[0].Reason != "the event names no resource ec2guard acts on" {
		t.Fatalf("%d runs, decisions %+v", c.n, ds)
	}
}

// The run builds what the loader parsed: the typed configuration, parsed once.
func TestLoadKeepsTheParsedConfig(t *testing.T) {
	set, err := rules.Load("f.yaml", []byte("rules:\n  - name: a\n    pattern: {source: [aws.ec2]}\n    actions: [{start: {wait: 30s}}, {protect: {stop: false}}]\n"), rules.Options{ParseAction: actions.ParseSpec})
	if err != nil {
		t.Fatal(err)
	}
	specs := set.Rules[0].Actions
	if c, ok := specs[0].Config.(actions.StartConfig); !ok || c.Wait.Seconds() != 30 {
		t.Fatalf("start: %#v", specs[0].Config)
	}
	if c, ok := specs[1].Config.(actions.ProtectConfig); !ok || c.Stop == nil || *c.Stop || c.Termination != nil {
		t.Fatalf("protect: %#v", specs[1].Config)
	}
}
