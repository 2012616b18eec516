package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/pattern"
)

// The reach check. The engine acts only on events that name a resource (event.Targets): EC2
// state changes, and the successful CloudTrail calls that create instances, volumes, snapshots
// and images. A rule whose pattern selects none of those never acts — its notify included,
// since the engine skips such an event before any action — however its filters and actions
// read. The check keeps, of each pattern, only the fields whose values such events fix
// (source, detail-type, detail.state, detail.eventName, detail.eventSource, detail.errorCode;
// the rest, ids, regions, callers, can be anything), and runs that weaker pattern on one event
// of each kind: if it matches none, the pattern cannot either.

// createCalls are the CloudTrail calls whose created resources event.Targets returns; a test
// holds the list to event.Targets over every EC2 action.
var createCalls = []string{"RunInstances", "CreateVolume", "CreateSnapshot", "CreateImage"}

// actedOn is one event of each kind the engine acts on, as AWS sends them, kept only if
// event.Targets finds a resource in it.
func actedOn() [][]byte {
	var out [][]byte
	add := func(ev map[string]any) {
		ev["version"], ev["id"], ev["source"], ev["account"], ev["region"], ev["time"] = "0", "ec2guard-reach-check", "aws.ec2", "123456789012", "us-east-1", "2026-01-01T00:00:00Z"
		raw, _ := json.Marshal(ev)
		e, err := event.Parse(raw)
		if err != nil {
			return
		}
		if ts, known, err := event.Targets(e); err == nil && known && len(ts) > 0 {
			out = append(out, raw)
		}
	}
	for _, s := range instanceStates {
		add(map[string]any{"detail-type": event.DetailTypeStateChange, "detail": map[string]any{"instance-id": "i-0123456789abcdef0", "state": s}})
	}
	for _, name := range createCalls {
		add(map[string]any{"detail-type": event.DetailTypeAPICall, "detail": apiCall(name, "")})
	}
	return out
}

func apiCall(name, errorCode string) map[string]any {
	d := map[string]any{
		"eventSource": "ec2.amazonaws.com", "eventName": name,
		"responseElements": map[string]any{
			"instancesSet": map[string]any{"items": []any{map[string]any{"instanceId": "i-0123456789abcdef0"}}},
			"volumeId":     "vol-0123456789abcdef0", "snapshotId": "snap-0123456789abcdef0", "imageId": "ami-0123456789abcdef0",
		},
	}
	if errorCode != "" {
		d["errorCode"] = errorCode
	}
	return d
}

// fixedFields are the fields whose values an event the engine acts on fixes.
var fixedFields = map[string][]string{"": {"source", "detail-type", "detail"}, "detail": {"state", "eventName", "eventSource", "errorCode"}}

// reach reports rules whose patterns select no event the engine acts on, at the pattern.
func (l *loader) reach(set *Set) {
	events := actedOn()
	for _, r := range set.Rules {
		weak, ok := weaken(r.Pattern)
		if !ok {
			continue // unconstrained where it matters
		}
		if matchesAny(weak, events) {
			continue
		}
		at := l.patternAt[r]
		if failedOnly(weak) {
			l.errs = append(l.errs, &Error{Loc: at, Msg: "the pattern selects only failed API calls (detail.errorCode), which create nothing: ec2guard acts on " +
				actsOnText + "; the rule would never run its actions"})
			continue
		}
		l.errs = append(l.errs, &Error{Loc: at, Msg: fmt.Sprintf("the pattern selects only events that name no resource ec2guard acts on: %s; ec2guard acts on %s; the rule would never run its actions (notify included: such an event is skipped before any action)",
			selects(r.Pattern), actsOnText)})
	}
}

var actsOnText = "EC2 Instance State-change Notification events and the CloudTrail calls that create resources and succeed (" + strings.Join(createCalls, ", ") + ")"

func matchesAny(p *pattern.Pattern, events [][]byte) bool {
	for _, ev := range events {
		if ok, err := p.Matches(ev); err == nil && ok {
			return true
		}
	}
	return false
}

// failedOnly reports whether the weakened pattern selects create calls once they failed.
func failedOnly(p *pattern.Pattern) bool {
	for _, name := range createCalls {
		raw, _ := json.Marshal(map[string]any{"version": "0", "source": "aws.ec2", "detail-type": event.DetailTypeAPICall, "detail": apiCall(name, "Client.UnauthorizedOperation")})
		if ok, err := p.Matches(raw); err == nil && ok {
			return true
		}
	}
	return false
}

// weaken keeps only the pattern's fixed fields; ok is false when nothing constrains them.
func weaken(src []byte) (*pattern.Pattern, bool) {
	p, ok := decodePattern(src).(map[string]any)
	if !ok {
		return nil, false
	}
	w := keepFixed(p, "")
	if len(w) == 0 {
		return nil, false
	}
	b, err := json.Marshal(w)
	if err != nil {
		return nil, false
	}
	wp, err := pattern.Parse(b)
	if err != nil {
		return nil, false
	}
	return wp, true
}

// keepFixed returns the part of pattern object p (at level: "" or "detail") on fixed fields.
// A $or branch left with nothing matches anything, and so does its $or.
func keepFixed(p map[string]any, level string) map[string]any {
	out := map[string]any{}
	for k, v := range p {
		switch {
		case k == "$or":
			if kept := weakenOr(v, func(b map[string]any) map[string]any { return keepFixed(b, level) }); kept != nil {
				out[k] = kept
			}
		case !slices.Contains(fixedFields[level], k):
		case k == "detail":
			if m, ok := v.(map[string]any); ok {
				if d := keepFixed(m, "detail"); len(d) > 0 {
					out[k] = d
				}
			}
		default:
			if _, obj := v.(map[string]any); !obj {
				out[k] = v
			}
		}
	}
	return out
}

// weakenOr weakens each branch of a $or; nil (no constraint) when one is left with nothing,
// as that branch then matches anything and so does the $or.
func weakenOr(v any, weaken func(map[string]any) map[string]any) []any {
	branches, _ := v.([]any)
	var kept []any
	for _, b := range branches {
		bm, _ := b.(map[string]any)
		wb := weaken(bm)
		if len(wb) == 0 {
			return nil
		}
		kept = append(kept, wb)
	}
	return kept
}

// selects describes what a pattern selects in the words of its fixed fields.
func selects(src []byte) string {
	p := decodePattern(src)
	got := map[string][]string{}
	patternStrings(p, "", func(field, v string) {
		if !slices.Contains(got[field], v) {
			got[field] = append(got[field], v)
		}
	})
	switch {
	case len(got["eventName"]) > 0:
		return "CloudTrail " + strings.Join(got["eventName"], ", ")
	case len(got["detail-type"]) > 0:
		return quoteAll(got["detail-type"]) + " events"
	case len(got["source"]) > 0:
		return "events from " + strings.Join(got["source"], ", ")
	}
	return "the events it selects"
}

// decodePattern decodes a loaded pattern's JSON (numbers kept as written); nil if it does not.
func decodePattern(src []byte) any {
	var p any
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	if dec.Decode(&p) != nil {
		return nil
	}
	return p
}

func quoteAll(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
