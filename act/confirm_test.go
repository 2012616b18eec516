package act

import (
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
)

// moto 5.2 does not implement CloudTrail's LookupEvents (it answers 500), so confirm is tested
// on records shaped as LookupEvents' CloudTrailEvent field is in AWS's API reference (the
// whole CloudTrail record as a JSON string), and on moto only for failing closed.
const genuineRecord = `{"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAJ7EQQEKFAVPO3NTQG","arn":"arn:aws:iam::123456789012:user/Bob","accountId":"123456789012","userName":"Bob"},` +
	`"eventTime":"2026-11-22T10:05:00Z","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.10",` +
	`"requestParameters":{"instanceType":"t3.micro"},"responseElements":{"requestId":"req-1","reservationId":"r-0a1b2c3d4e5f60718","ownerId":"123456789012","instancesSet":{"items":[{"instanceId":"i-0fedcba9876543210"}]}},` +
	`"eventID":"b0e8f6d2-6c1e-4b7a-9f3e-0c2d1a4b5e6f","eventType":"AwsApiCall","recipientAccountId":"123456789012"}`

func TestConfirm(t *testing.T) {
	claimOf := func(rec string) (*event.CloudTrail, event.Claim) {
		e, err := event.Parse([]byte(`{"id":"x","source":"aws.ec2","detail-type":"AWS API Call via CloudTrail","detail":` + rec + `}`))
		if err != nil {
			t.Fatal(err)
		}
		ct, err := e.CloudTrailDetail()
		if err != nil {
			t.Fatal(err)
		}
		cl, err := ct.Claim()
		if err != nil {
			t.Fatal(err)
		}
		return ct, cl
	}
	at := time.Date(2026, 11, 22, 10, 5, 0, 0, time.UTC)
	const inst = "i-0fedcba9876543210"
	tests := []struct {
		name    string
		event   string // the event's detail
		records []string
		now     time.Time
		target  string
		want    confirmation
		why     string
	}{
		{"the same call", genuineRecord, []string{genuineRecord}, at.Add(time.Hour), inst, confirmed, ""},
		{"another caller", strings.Replace(genuineRecord, `"principalId":"AIDAJ7EQQEKFAVPO3NTQG"`, `"principalId":"AIDAMALLORY"`, 1), []string{genuineRecord}, at.Add(time.Hour), inst,
			refuted, `userIdentity.principalId "AIDAJ7EQQEKFAVPO3NTQG", the event's "AIDAMALLORY"`},
		{"another instance", strings.Replace(genuineRecord, inst, "i-0victim", 1), []string{genuineRecord}, at.Add(time.Hour), "i-0victim", refuted, "it did not create instance i-0victim"},
		{"another reservation", strings.Replace(genuineRecord, "r-0a1b2c3d4e5f60718", "r-0forged", 1), []string{genuineRecord}, at.Add(time.Hour), inst, refuted, `reservationId "r-0a1b2c3d4e5f60718", the event's "r-0forged"`},
		{"another time", strings.Replace(genuineRecord, "10:05:00Z", "10:07:00Z", 1), []string{genuineRecord}, at.Add(time.Hour), inst, refuted, "eventTime 2026-11-22T10:05:00Z, the event's 2026-11-22T10:07:00Z"},
		{"not in the history yet", genuineRecord, nil, at.Add(2 * time.Minute), inst, notYet, "no event b0e8f6d2-6c1e-4b7a-9f3e-0c2d1a4b5e6f yet"},
		{"never recorded", genuineRecord, nil, at.Add(time.Hour), inst, refuted, "not a call CloudTrail recorded"},
		{"past the history", genuineRecord, nil, at.Add(100 * 24 * time.Hour), inst, refuted, "older than CloudTrail's 90-day event history"},
		{"no eventID", strings.Replace(genuineRecord, `"eventID":"b0e8f6d2-6c1e-4b7a-9f3e-0c2d1a4b5e6f",`, "", 1), []string{genuineRecord}, at.Add(time.Hour), inst, refuted, "no eventID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, cl := claimOf(tt.event)
			got, why := confirm(tt.now, ct, cl, "instance", tt.target, tt.records)
			if got != tt.want || !strings.Contains(why, tt.why) {
				t.Fatalf("confirm = %v, %q; want %v, %q", got, why, tt.want, tt.why)
			}
		})
	}
}

// On moto, whose LookupEvents answers 500, a rule that asks for confirmation tags nothing:
// the action fails (the event comes again) rather than trusting the event.
func TestConfirmFailsClosedOnMoto(t *testing.T) {
	f := newFleet(t)
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	id := f.Run(nil, false)
	r, at, parts := launched(t, f, id)
	tag := tagAction(t, awsapi.New(), nil, map[string]any{"confirm": true, "tags": ownerTags["tags"]})
	wantResult(t, tag.Do(f.Ctx, on(id, "instance", false, runEvent(t, "ct-confirm", at, alice, r, id))), engine.Failed, "LookupEvents")
	wantUntagged(t, f, append(parts, id)...)
}

func TestConfirmNeedsLookupEvents(t *testing.T) {
	has := func(params map[string]any) bool {
		for _, p := range actions.Permissions("tag", params) {
			if len(p.Actions) == 1 && p.Actions[0] == "cloudtrail:LookupEvents" && len(p.Resources) == 1 && p.Resources[0] == "*" {
				return true
			}
		}
		return false
	}
	if !has(map[string]any{"confirm": true, "tags": map[string]any{"Owner": "x"}}) || has(map[string]any{"tags": map[string]any{"Owner": "x"}}) {
		t.Fatal("cloudtrail:LookupEvents is granted exactly when confirm is set")
	}
}
