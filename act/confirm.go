package act

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/resource"
)

// Confirming a call with CloudTrail (the tag action's confirm: true): the event's own content
// can be forged, CloudTrail's event history cannot. LookupEvents by the event's eventID must
// return the same call, by the same caller, creating the resource. Two limits shape it:
const (
	// HistoryLag is how long after a call its record may still be missing from the event
	// history (AWS: events appear "typically within 5 minutes"): a live event confirmed before
	// then fails, so that its source delivers it again later.
	HistoryLag = 15 * time.Minute
	// HistorySpan is how far back the event history goes (90 days): an older replayed call
	// cannot be confirmed and is refused.
	HistorySpan = 90 * 24 * time.Hour
)

// confirmation is what CloudTrail's event history says of a claim.
type confirmation int

const (
	confirmed confirmation = iota
	notYet                 // not in the history yet: try again later
	refuted                // the history contradicts the event, or cannot vouch for it
)

// confirm checks an event's call against the records LookupEvents returned for its eventID.
func confirm(now time.Time, ct *event.CloudTrail, cl event.Claim, kind resource.Kind, id string, records []string) (confirmation, string) {
	if cl.EventID == "" {
		return refuted, "the event has no eventID to confirm with CloudTrail"
	}
	if len(records) == 0 {
		age := now.Sub(cl.Time)
		switch {
		case age < HistoryLag:
			return notYet, fmt.Sprintf("CloudTrail's event history has no event %s yet (it shows a call minutes after it is made)", cl.EventID)
		case age > HistorySpan:
			return refuted, fmt.Sprintf("event %s is older than CloudTrail's %d-day event history: it cannot be confirmed", cl.EventID, int(HistorySpan.Hours()/24))
		}
		return refuted, fmt.Sprintf("CloudTrail's event history has no event %s: not a call CloudTrail recorded", cl.EventID)
	}
	var why []string
	for _, rec := range records {
		d := recordDiff(ct, cl, kind, id, rec)
		if d == "" {
			return confirmed, ""
		}
		why = append(why, d)
	}
	return refuted, fmt.Sprintf("does not match CloudTrail's record of event %s: %s", cl.EventID, strings.Join(why, "; "))
}

// recordDiff says how a CloudTrail record differs from the event's call ("" when it is the
// same call: name, time, caller, reservation or volume, and the target among what it created).
func recordDiff(ct *event.CloudTrail, cl event.Claim, kind resource.Kind, id, rec string) string {
	var got event.CloudTrail
	if err := json.Unmarshal([]byte(rec), &got); err != nil {
		return "its record cannot be read: " + err.Error()
	}
	gc, err := got.Claim()
	if err != nil {
		return "its record cannot be read: " + err.Error()
	}
	var diffs []string
	differs := func(what, want, have string) {
		if want != have {
			diffs = append(diffs, fmt.Sprintf("%s %q, the event's %q", what, have, want))
		}
	}
	differs("eventID", cl.EventID, gc.EventID)
	differs("eventName", ct.EventName, got.EventName)
	differs("errorCode", ct.ErrorCode, got.ErrorCode)
	if !gc.Time.Equal(cl.Time) {
		diffs = append(diffs, fmt.Sprintf("eventTime %s, the event's %s", stamp(gc.Time), stamp(cl.Time)))
	}
	u, gu := ct.UserIdentity, got.UserIdentity
	differs("userIdentity.type", u.Type, gu.Type)
	differs("userIdentity.principalId", u.PrincipalID, gu.PrincipalID)
	differs("userIdentity.arn", u.ARN, gu.ARN)
	differs("userIdentity.userName", u.UserName, gu.UserName)
	differs("reservationId", cl.ReservationID, gc.ReservationID)
	differs("volumeId", cl.VolumeID, gc.VolumeID)
	wrapped := &event.Event{ID: cl.EventID, DetailType: event.DetailTypeAPICall, Detail: json.RawMessage(rec)}
	targets, err := event.Created(wrapped)
	if err != nil || !slices.Contains(targets, event.Target{Kind: kind, ID: id}) {
		diffs = append(diffs, fmt.Sprintf("it did not create %s %s", kind, id))
	}
	return strings.Join(diffs, ", ")
}
