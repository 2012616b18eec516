package rules

import (
	"testing"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/iam/catalog"
)

func TestReach(t *testing.T) {
	const acts = "ec2guard acts on EC2 Instance State-change Notification events, the CloudTrail calls that create or change an EC2 resource and succeed (48 calls: RunInstances, AuthorizeSecurityGroupIngress, ModifySnapshotAttribute...; the README lists them) and the Security Hub and GuardDuty findings that name an EC2 resource; the rule would never run its actions"
	tests := []struct {
		name, pattern string
		want          string // "" = the rule can act
	}{
		{"StopInstances", "{source: [aws.ec2], detail-type: [AWS API Call via CloudTrail], detail: {eventName: [StopInstances]}}",
			"3:14: the pattern selects only events that name no resource ec2guard acts on: CloudTrail StopInstances; " + acts + " (notify included: such an event is skipped before any action)"},
		{"CreateTags and TerminateInstances", "{detail: {eventName: [CreateTags, TerminateInstances], eventSource: [ec2.amazonaws.com]}}",
			"3:14: the pattern selects only events that name no resource ec2guard acts on: CloudTrail CreateTags, TerminateInstances;"},
		{"another service's events", "{source: [aws.s3], detail-type: [Object Created]}", `3:14: the pattern selects only events that name no resource ec2guard acts on: "Object Created" events;`},
		{"only failed calls", "{detail: {eventName: [RunInstances], errorCode: [{exists: true}]}}", "3:14: the pattern selects only failed API calls (detail.errorCode), which change nothing: " + acts},
		{"every branch of an $or names nothing", "{$or: [{detail: {eventName: [StopInstances]}}, {detail-type: [Scheduled Event]}]}", "3:14: the pattern selects only events that name no resource"},
		{"not a state an instance has", "{source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [rebooting]}}", `"EC2 Instance State-change Notification" events;`},
		{"RunInstances", "{detail-type: [AWS API Call via CloudTrail], detail: {eventName: [RunInstances], errorCode: [{exists: false}]}}", ""},
		{"a prefix that takes in create calls", "{detail: {eventName: [{prefix: Create}]}}", ""},
		{"state changes", "{source: [aws.ec2], detail: {state: [stopped]}}", ""},
		{"anything from EC2", "{source: [aws.ec2]}", ""},
		{"one branch acts", "{$or: [{detail: {eventName: [StopInstances]}}, {detail: {eventName: [CreateVolume]}}]}", ""},
		{"a branch that says nothing fixed", "{$or: [{detail: {eventName: [StopInstances]}}, {region: [eu-west-1]}]}", ""},
		{"a security group call", "{source: [aws.ec2], detail: {eventName: [AuthorizeSecurityGroupIngress], errorCode: [{exists: false}]}}", ""},
		{"account settings", "{detail: {eventName: [DisableEbsEncryptionByDefault, ModifyInstanceMetadataDefaults]}}", ""},
		{"Security Hub findings", "{source: [aws.securityhub], detail-type: [Security Hub Findings - Imported], detail: {findings: {Resources: {Type: [AwsEc2SecurityGroup]}, Compliance: {Status: [FAILED]}}}}", ""},
		{"GuardDuty findings", "{source: [aws.guardduty], detail-type: [GuardDuty Finding], detail: {severity: [{numeric: ['>=', 7]}]}}", ""},
		{"findings on no EC2 resource", "{source: [aws.securityhub], detail: {findings: {Resources: {Type: [AwsS3Bucket]}}}}", `3:14: the pattern selects only events that name no resource ec2guard acts on: events from aws.securityhub;`},
		{"resolved findings only", "{detail-type: [Security Hub Findings - Imported], detail: {findings: {Workflow: {Status: [RESOLVED]}}}}", `"Security Hub Findings - Imported" events;`},
		{"archived GuardDuty findings only", "{detail-type: [GuardDuty Finding], detail: {service: {archived: [true]}}}", `"GuardDuty Finding" events;`},
		{"a route", "{detail: {eventName: [CreateRoute]}}", "CloudTrail CreateRoute;"},
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

// The calls the probes stand for are EC2's actions, and the probes are one per state, call,
// active finding of each ASFF type and GuardDuty finding.
func TestProbes(t *testing.T) {
	cat := catalog.MustLoad()
	for _, c := range event.Calls() {
		if len(cat.Expand("ec2:"+c.Name)) != 1 {
			t.Errorf("%s is no EC2 action", c.Name)
		}
	}
	if n, want := len(probes()), len(instanceStates)+len(event.Calls())+2*len(event.ASFFTypes)+1; n != want {
		t.Fatalf("%d probes, want %d", n, want)
	}
	for _, pr := range probes() {
		if _, err := event.Parse(pr.raw); err != nil || len(pr.kinds) == 0 {
			t.Fatalf("probe %s: %v, kinds %v", pr.raw, err, pr.kinds)
		}
	}
}
