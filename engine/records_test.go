package engine

import (
	"context"
	"testing"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

// A decision record names its resource's kind: an account-level record's resource is an
// account id, which no other kind's id looks like only by luck; a record of no resource has
// none.
func TestRecordKind(t *testing.T) {
	ctx := context.Background()
	set, err := rules.Load("k.yaml", []byte(`rules:
  - name: ebs-default
    pattern: {detail-type: [AWS API Call via CloudTrail], detail: {eventName: [DisableEbsEncryptionByDefault]}}
    resources: [account]
    actions: [stop]
    mode: enforce
  - name: restart
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification]}
    actions: [start]
    mode: enforce
`), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := New(Config{Rules: set, NewAction: func(s rules.ActionSpec) (Action, error) { return &recorder{name: s.Name, mutating: true}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := event.Parse([]byte(`{"id":"a1","source":"aws.ec2","detail-type":"AWS API Call via CloudTrail","account":"123456789012","region":"eu-west-1",` +
		`"detail":{"eventName":"DisableEbsEncryptionByDefault","recipientAccountId":"123456789012","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/bob"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	d := one(t, eng.Handle(ctx, ev))
	if d.Kind != resource.Account || d.Resource != "123456789012" || d.Outcome != Applied {
		t.Errorf("account-level record: %+v", d)
	}
	if d := one(t, eng.Handle(ctx, stateEvent("s1", "i-0abc", "stopped"))); d.Kind != resource.Instance || d.Resource != "i-0abc" {
		t.Errorf("instance record: %+v", d)
	}
	if d := one(t, eng.Handle(ctx, stateEvent("s2", "i-0abc", "pending"))); d.Kind != resource.Instance {
		t.Errorf("a rule's record names the kind whatever its outcome: %+v", d)
	}
	noRule, err := event.Parse([]byte(`{"id":"n1","source":"aws.ec2","detail-type":"AWS API Call via CloudTrail","account":"123456789012","region":"eu-west-1","detail":{"eventName":"DescribeInstances"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if d := one(t, eng.Handle(ctx, noRule)); d.Kind != "" || d.Resource != "" || d.Reason != "no rule matched" {
		t.Errorf("a record of no resource: %+v", d)
	}

	f := newScanFixture(t, nil)
	for _, d := range f.eng.Judge(ctx, "run1", scanned(resource.Account, "123456789012", "eu-west-1", "", nil)) {
		if d.Kind != resource.Account || d.Resource != "123456789012" {
			t.Errorf("scan's account record: %+v", d)
		}
	}
	for _, d := range f.eng.Judge(ctx, "run1", scanned(resource.SecurityGroup, "sg-1", "eu-west-1", "", nil)) {
		if d.Kind != resource.SecurityGroup {
			t.Errorf("scan's group record: %+v", d)
		}
	}
}
