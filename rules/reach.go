package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/pattern"
	"github.com/ec2guard/ec2guard/resource"
)

// The reach check. The engine acts only on events that name a resource (event.Targets): EC2
// state changes, the successful CloudTrail calls of event.Calls (those that create or change
// an EC2 resource a rule judges), and the Security Hub and GuardDuty findings that name one.
// A rule whose pattern selects none of those never acts — its notify included, since the
// engine skips such an event before any action — however its filters and actions read. The
// check keeps, of each pattern, only the fields whose values such events fix (fixedFields:
// source, detail-type, the state, the call's name, source and error code, the findings'
// resource types and states; the rest, ids, regions, callers, can be anything), and runs
// that weaker pattern on one event of each kind (probes): if it matches none, the pattern
// cannot either. The same probes give a rule's default kinds (kinds.go).

// probe is one event of a kind the engine acts on, as AWS sends it, with the kinds of the
// resources such an event concerns.
type probe struct {
	raw   []byte
	kinds []resource.Kind
}

// probes are built once: one per instance state, per call of event.Calls, per ASFF type
// and workflow status of an active finding, and a GuardDuty finding on an instance.
var probes = sync.OnceValue(func() []probe {
	var out []probe
	add := func(source, detailType string, detail map[string]any, kinds []resource.Kind) {
		ev := map[string]any{"version": "0", "id": "ec2guard-reach-check", "source": source, "account": "123456789012", "region": "us-east-1",
			"time": "2026-01-01T00:00:00Z", "detail-type": detailType, "detail": detail}
		raw, _ := json.Marshal(ev)
		out = append(out, probe{raw: raw, kinds: kinds})
	}
	for _, s := range instanceStates {
		add(event.SourceEC2, event.DetailTypeStateChange, map[string]any{"instance-id": "i-0123456789abcdef0", "state": s}, []resource.Kind{resource.Instance})
	}
	for _, c := range event.Calls() {
		add(event.SourceEC2, event.DetailTypeAPICall, apiCall(c.Name, ""), event.CallKinds(c.Name))
	}
	for _, typ := range slices.Sorted(maps.Keys(event.ASFFTypes)) {
		for _, status := range []string{"NEW", "NOTIFIED"} {
			add(event.SourceSecurityHub, event.DetailTypeSecurityHubFindings, map[string]any{"findings": []any{map[string]any{
				"ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub", "RecordState": "ACTIVE", "Workflow": map[string]any{"Status": status},
				"Resources": []any{map[string]any{"Type": typ}},
			}}}, []resource.Kind{event.ASFFTypes[typ]})
		}
	}
	add(event.SourceGuardDuty, event.DetailTypeGuardDutyFinding, map[string]any{
		"resource": map[string]any{"resourceType": "Instance"}, "service": map[string]any{"archived": false},
	}, event.GuardDutyKinds)
	return out
})

// apiCall is the detail of a CloudTrail record of the call (failed, with errorCode).
func apiCall(name, errorCode string) map[string]any {
	d := map[string]any{"eventSource": "ec2.amazonaws.com", "eventName": name}
	if errorCode != "" {
		d["errorCode"] = errorCode
	}
	return d
}

// fixedFields are the paths whose values an event the engine acts on fixes.
var fixedFields = []string{
	"source", "detail-type",
	"detail.state", "detail.eventName", "detail.eventSource", "detail.errorCode",
	"detail.findings.Resources.Type", "detail.findings.Workflow.Status", "detail.findings.RecordState",
	"detail.resource.resourceType", "detail.service.archived",
}

// reach reports rules whose patterns select no event the engine acts on, at the pattern.
func (l *loader) reach(set *Set) {
	for _, r := range set.Rules {
		weak, ok := weaken(r.Pattern)
		if !ok {
			continue // unconstrained where it matters
		}
		if matchesAny(weak, probes()) {
			continue
		}
		at := l.patternAt[r]
		if failedOnly(weak) {
			l.errs = append(l.errs, &Error{Loc: at, Msg: "the pattern selects only failed API calls (detail.errorCode), which change nothing: ec2guard acts on " +
				actsOnText + "; the rule would never run its actions"})
			continue
		}
		l.errs = append(l.errs, &Error{Loc: at, Msg: fmt.Sprintf("the pattern selects only events that name no resource ec2guard acts on: %s; ec2guard acts on %s; the rule would never run its actions (notify included: such an event is skipped before any action)",
			selects(r.Pattern), actsOnText)})
	}
}

var actsOnText = fmt.Sprintf("EC2 Instance State-change Notification events, the CloudTrail calls that create or change an EC2 resource and succeed "+
	"(%d calls: RunInstances, AuthorizeSecurityGroupIngress, ModifySnapshotAttribute...; the README lists them) "+
	"and the Security Hub and GuardDuty findings that name an EC2 resource", len(event.Calls()))

func matchesAny(p *pattern.Pattern, probes []probe) bool {
	for _, pr := range probes {
		if ok, err := p.Matches(pr.raw); err == nil && ok {
			return true
		}
	}
	return false
}

// failedOnly reports whether the weakened pattern selects the calls once they failed.
func failedOnly(p *pattern.Pattern) bool {
	for _, c := range event.Calls() {
		raw, _ := json.Marshal(map[string]any{"version": "0", "source": "aws.ec2", "detail-type": event.DetailTypeAPICall, "detail": apiCall(c.Name, "Client.UnauthorizedOperation")})
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

// keepFixed returns the part of pattern object p (at path prefix: "" or "detail." ...) on
// fixed fields. A $or branch left with nothing matches anything, and so does its $or.
func keepFixed(p map[string]any, prefix string) map[string]any {
	out := map[string]any{}
	for k, v := range p {
		path := prefix + k
		_, obj := v.(map[string]any)
		switch {
		case k == "$or":
			if kept := weakenOr(v, func(b map[string]any) map[string]any { return keepFixed(b, prefix) }); kept != nil {
				out[k] = kept
			}
		case slices.Contains(fixedFields, path):
			if !obj {
				out[k] = v
			}
		case obj && slices.ContainsFunc(fixedFields, func(f string) bool { return strings.HasPrefix(f, path+".") }):
			if d := keepFixed(v.(map[string]any), path+"."); len(d) > 0 {
				out[k] = d
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
