package rules

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/iam/catalog"
)

func TestReach(t *testing.T) {
	const acts = "ec2guard acts on EC2 Instance State-change Notification events and the CloudTrail calls that create resources and succeed (RunInstances, CreateVolume, CreateSnapshot, CreateImage); the rule would never run its actions"
	tests := []struct {
		name, pattern string
		want          string // "" = the rule can act
	}{
		{"StopInstances", "{source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [StopInstances]}}",
			"3:14: the pattern selects only events that name no resource ec2guard acts on: CloudTrail StopInstances; " + acts + " (notify included: such an event is skipped before any action)"},
		{"CreateTags and TerminateInstances", "{detail: {eventName: [CreateTags, TerminateInstances], eventSource: [ec2.amazonaws.com]}}",
			"3:14: the pattern selects only events that name no resource ec2guard acts on: CloudTrail CreateTags, TerminateInstances;"},
		{"another service's events", "{source: [aws.s3], detail-type: [Object Created]}", `3:14: the pattern selects only events that name no resource ec2guard acts on: "Object Created" events;`},
		{"only failed calls", "{detail: {eventName: [RunInstances], errorCode: [{exists: true}]}}", "3:14: the pattern selects only failed API calls (detail.errorCode), which create nothing: " + acts},
		{"every branch of an $or names nothing", "{$or: [{detail: {eventName: [StopInstances]}}, {detail-type: [Scheduled Event]}]}", "3:14: the pattern selects only events that name no resource"},
		{"not a state an instance has", "{source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [rebooting]}}", `"EC2 Instance State-change Notification" events;`},
		{"RunInstances", "{detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances], errorCode: [{exists: false}]}}", ""},
		{"a prefix that takes in create calls", "{detail: {eventName: [{prefix: Create}]}}", ""},
		{"state changes", "{source: [aws.ec2], detail: {state: [stopped]}}", ""},
		{"anything from EC2", "{source: [aws.ec2]}", ""},
		{"one branch acts", "{$or: [{detail: {eventName: [StopInstances]}}, {detail: {eventName: [CreateVolume]}}]}", ""},
		{"a branch that says nothing fixed", "{$or: [{detail: {eventName: [StopInstances]}}, {region: [eu-west-1]}]}", ""},
		{"fields any event may have", "{region: [eu-west-1], account: [\"111122223333\"], detail: {eventName: [CreateImage], userIdentity: {type: [IAMUser]}}}", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "rules:\n  - name: r\n    pattern: " + tt.pattern + "\n    actions: [{notify: {topic: t}}]\n"
			_, err := Load("f.yaml", []byte(src), Options{Reach: true})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			WantErrors(t, err, []string{tt.want})
		})
	}
	if _, err := Load("f.yaml", []byte("rules:\n  - name: r\n    pattern: {detail: {eventName: [StopInstances]}}\n    actions: [start]\n"), Options{}); err != nil {
		t.Errorf("without Reach, the check is off: %v", err)
	}
}

// createCalls is what event.Targets reads resources from, over every EC2 action.
func TestCreateCallsAreTargets(t *testing.T) {
	var got []string
	for _, a := range catalog.MustLoad().Expand("ec2:*") {
		raw, _ := json.Marshal(map[string]any{"id": "e", "source": "aws.ec2", "detail-type": event.DetailTypeAPICall, "detail": apiCall(a.Name, "")})
		e, err := event.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		if ts, known, err := event.Targets(e); err == nil && known && len(ts) > 0 {
			got = append(got, a.Name)
		}
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(createCalls))
	if !slices.Equal(got, want) {
		t.Fatalf("event.Targets reads resources from %v; createCalls is %v", got, want)
	}
	if n := len(actedOn()); n != len(instanceStates)+len(createCalls) {
		t.Fatalf("%d events the engine acts on, want %d", n, len(instanceStates)+len(createCalls))
	}
}
