// Package event holds the EventBridge envelope and the typed details ec2guard reads from it:
// EC2 instance state changes, CloudTrail API calls and Security Hub and GuardDuty findings,
// and the resources each concerns (Targets). Standard library only.
package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Event is an EventBridge event. Detail stays raw so it can go straight to the matcher;
// Raw is the whole event as received. EventName is the eventName of a CloudTrail API call
// when the source read it already (CallName reads it otherwise).
type Event struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
	Raw        json.RawMessage `json:"-"`
	// Replay is set by the source, never by the event's JSON: the event was read back from a
	// CloudTrail log file (handle), not delivered live by EventBridge. A live event older than
	// EventBridge's retry horizon cannot be genuine; a replayed one can be as old as the log.
	Replay    bool   `json:"-"`
	EventName string `json:"-"`
}

// Detail types and sources ec2guard understands.
const (
	SourceEC2             = "aws.ec2"
	DetailTypeStateChange = "EC2 Instance State-change Notification"
	DetailTypeAPICall     = "AWS API Call via CloudTrail"
	SourceSchedule        = "aws.events"      // EventBridge's scheduled rules
	DetailTypeScheduled   = "Scheduled Event" // their events
	// TimerDetail is the detail of the deployment's timer's Scheduled Events (a Scheduled
	// Event's own is {}): its EventBridge rule writes it with an input transformer, and the
	// function scans by the time-driven rules alone on it.
	TimerDetail = `{"ec2guard":"timer"}`
)

// Scheduled reports whether e is a Scheduled Event, and whether it is the timer's (its
// detail TimerDetail).
func (e *Event) Scheduled() (scheduled, timer bool) {
	if e.Source != SourceSchedule || e.DetailType != DetailTypeScheduled {
		return false, false
	}
	var d struct {
		Mark string `json:"ec2guard"`
	}
	return true, json.Unmarshal(e.Detail, &d) == nil && d.Mark == "timer"
}

// Parse decodes one EventBridge event and checks the fields every event must have.
func Parse(raw []byte) (*Event, error) {
	var e Event
	if err := json.Unmarshal(raw, &e); err != nil {
		if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) > 0 && t[0] != '{' && json.Valid(raw) {
			return nil, fmt.Errorf("an event must be a JSON object, not %s", jsonKind(t[0]))
		}
		return nil, JSONError(raw, err, "")
	}
	if err := e.validate(); err != nil {
		return nil, err
	}
	e.Raw = append(json.RawMessage(nil), raw...)
	return &e, nil
}

func (e *Event) validate() error {
	var missing []string
	if e.ID == "" {
		missing = append(missing, "id")
	}
	if e.Source == "" {
		missing = append(missing, "source")
	}
	if e.DetailType == "" {
		missing = append(missing, "detail-type")
	}
	if len(missing) > 0 {
		return fmt.Errorf("event is missing %s (every EventBridge event has id, source and detail-type)", strings.Join(missing, ", "))
	}
	if len(e.Detail) > 0 && e.Detail[0] != '{' {
		return fmt.Errorf("detail: expected an object, got %s", jsonKind(e.Detail[0]))
	}
	return nil
}
