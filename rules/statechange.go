package rules

import (
	"encoding/json"

	"github.com/ec2guard/ec2guard/event"
)

// SelectsStateChanges reports whether the rule's pattern selects EC2 instance state-change
// notifications of some state, whatever their account, region and instance (it is held to
// the pattern's fixed fields, as the reach check is): a scan applies such a rule to an
// instance only when the pattern selects the notification of the instance's current state.
func (r *Rule) SelectsStateChanges() bool {
	weak, ok := weaken(r.Pattern)
	if !ok {
		return true // nothing constrains the kind of event: state changes too
	}
	for _, s := range instanceStates {
		raw, _ := json.Marshal(map[string]any{
			"version": "0", "id": "ec2guard-scan-check", "source": event.SourceEC2, "detail-type": event.DetailTypeStateChange,
			"account": "123456789012", "region": "us-east-1", "time": "2026-01-01T00:00:00Z",
			"detail": map[string]any{"instance-id": "i-0123456789abcdef0", "state": s},
		})
		if ok, err := weak.Matches(raw); err == nil && ok {
			return true
		}
	}
	return false
}
