package act

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/resource"
)

// An event is a claim, not a fact: anyone who can write to an event source (a queue, a bus, a
// file a pipeline replays) can write one naming any resource. The tag action, whose tags
// decide who may manage a resource, tags only what matches the call the event describes.
const (
	// ClaimWindow is how far a resource's creation (an instance's first launch, a volume's
	// CreateTime, a snapshot's StartTime, an image's CreationDate) may lie from the call's
	// eventTime. EC2 records both within seconds of each other; five minutes allows for clock
	// skew and slow launches, and is far less than the age of a resource a forged event would
	// hand over.
	ClaimWindow = 5 * time.Minute
	// AttachWindow is how far from an instance's first launch a volume or network interface
	// may have been created and attached to count as the launch's own: those of the launch's
	// block device mapping and network interfaces are attached in the same moment; one a user
	// attached later belongs to whoever created it.
	AttachWindow = time.Minute
	// RetryHorizon is how long EventBridge retries delivering an event (24 hours): a live event
	// older than that was not delivered by EventBridge. A replayed one (event.Event.Replay: a
	// CloudTrail log file read by handle) may be as old as its log.
	RetryHorizon = 24 * time.Hour
)

// checker holds the windows and the clock a verification runs with.
type checker struct {
	now            time.Time
	window, attach time.Duration
}

// stale says why a claim cannot be acted on at all: no time to check against, a live event
// past EventBridge's retry horizon, or one from the future; "" when it can.
func (c checker) stale(cl event.Claim, replay bool) string {
	switch {
	case cl.Time.IsZero():
		return "the event has no eventTime to check the resource's creation against"
	case cl.Time.After(c.now.Add(c.window)):
		return fmt.Sprintf("the event's eventTime %s is %s in the future", stamp(cl.Time), cl.Time.Sub(c.now).Round(time.Second))
	case !replay && c.now.Sub(cl.Time) > RetryHorizon:
		return fmt.Sprintf("the event's eventTime %s is %s old, past EventBridge's %s retry horizon: no live event is that late "+
			"(replay CloudTrail log files with handle to act on old calls)", stamp(cl.Time), c.now.Sub(cl.Time).Round(time.Minute), RetryHorizon)
	}
	return ""
}

// match is what a verification found: the resources that match the call, with their tags
// as read, and why the others do not.
type match struct {
	ok      []found
	refused []string                   // "ID: why", for what came with the target but is not the call's
	read    map[string]*awsapi.Created // the event's read the verification was made on
}

type found struct {
	id   string
	tags map[string]string
}

// target checks the resource the event names (r nil: EC2 does not know it) and what came
// with it; a non-empty why means the target itself does not match, and nothing is tagged.
func (c checker) target(cl event.Claim, kind resource.Kind, id string, r *awsapi.Created) (m match, why string) {
	if r == nil {
		return m, fmt.Sprintf("does not match the resource: EC2 has no %s %s that is this account's", kind, id)
	}
	var diffs []string
	if d := c.created(cl.Time, r.Time, c.window, "eventTime"); d != "" {
		diffs = append(diffs, fmt.Sprintf("%s %s %s", id, verbOf(kind), d))
	}
	switch kind {
	case resource.Instance:
		switch {
		case cl.ReservationID == "":
			diffs = append(diffs, "the event has no responseElements.reservationId")
		case r.Reservation != cl.ReservationID:
			diffs = append(diffs, fmt.Sprintf("%s is in reservation %s, the event's is %s", id, r.Reservation, cl.ReservationID))
		}
	case resource.Image:
		if r.Source != "" && cl.InstanceID != "" && r.Source != cl.InstanceID {
			diffs = append(diffs, fmt.Sprintf("%s was made of instance %s, the event's is %s", id, r.Source, cl.InstanceID))
		}
	case resource.Snapshot:
		switch {
		case cl.VolumeID == "":
			diffs = append(diffs, "the event names no volumeId")
		case r.VolumeID != cl.VolumeID:
			diffs = append(diffs, fmt.Sprintf("%s is of volume %s, the event's is %s", id, r.VolumeID, cl.VolumeID))
		}
	}
	if len(diffs) > 0 {
		return m, "does not match the resource: " + strings.Join(diffs, "; ")
	}
	if gone(kind, r.State) {
		return m, fmt.Sprintf("%s is %s: never tagged", id, r.State)
	}
	m.ok = append(m.ok, found{id: r.ID, tags: r.Tags})
	for _, p := range r.Parts {
		if why := c.part(cl, r, p); why != "" {
			m.refused = append(m.refused, p.ID+": "+why)
			continue
		}
		m.ok = append(m.ok, found{id: p.ID, tags: p.Tags})
	}
	return m, ""
}

// part checks what came with a resource: an instance's volumes and network interfaces were
// created and attached at its launch, an image's snapshots were started by the call.
func (c checker) part(cl event.Claim, r *awsapi.Created, p awsapi.Part) string {
	if !p.Read {
		return fmt.Sprintf("EC2 has no %s %s that is this account's", p.Kind, p.ID)
	}
	if gone(p.Kind, p.State) {
		return fmt.Sprintf("it is %s", p.State)
	}
	var diffs []string
	switch p.Kind {
	case resource.Volume:
		if d := c.created(r.Time, p.Time, c.attach, r.ID+"'s launch"); d != "" {
			diffs = append(diffs, "created "+d)
		}
		if d := c.created(r.Time, p.Attached, c.attach, r.ID+"'s launch"); d != "" {
			diffs = append(diffs, "attached "+d)
		}
	case resource.NetworkInterface:
		if slices.Contains(cl.NamedENIs, p.ID) {
			diffs = append(diffs, "the call attached it by id: it existed before")
		}
		if d := c.created(r.Time, p.Attached, c.attach, r.ID+"'s launch"); d != "" {
			diffs = append(diffs, "attached "+d)
		}
	case resource.Snapshot:
		if d := c.created(cl.Time, p.Time, c.window, "eventTime"); d != "" {
			diffs = append(diffs, "started "+d)
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	return "does not match the call: " + strings.Join(diffs, ", ")
}

// created says how a time differs from the one it should be near, or "" when it is within w.
func (c checker) created(want, got time.Time, w time.Duration, what string) string {
	if got.IsZero() {
		return "at a time EC2 does not record"
	}
	d := got.Sub(want)
	if d >= -w && d <= w {
		return ""
	}
	rel := "after"
	if d < 0 {
		rel, d = "before", -d
	}
	return fmt.Sprintf("at %s, %s %s %s (window ±%s)", stamp(got), d.Round(time.Second), rel, what, w)
}

func verbOf(kind resource.Kind) string {
	switch kind {
	case resource.Instance:
		return "was first launched"
	case resource.Snapshot:
		return "was started"
	}
	return "was created"
}

// gone reports a state in which a resource is never tagged: it is going or gone.
func gone(kind resource.Kind, state string) bool {
	switch kind {
	case resource.Instance:
		return state == string(resource.ShuttingDown) || state == string(resource.Terminated)
	case resource.Volume:
		return state == "deleting" || state == "deleted" || state == "error"
	case resource.Snapshot:
		return state == "error"
	case resource.Image:
		return state == "deregistered" || state == "failed" || state == "invalid" || state == "error"
	}
	return false
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
