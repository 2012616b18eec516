package event

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ec2guard/ec2guard/resource"
)

// StateChange builds the "EC2 Instance State-change Notification" EventBridge sends when an
// instance enters a state: what a scan holds a rule's pattern to for an instance as it is now.
func StateChange(id string, place resource.Place, instanceID string, state resource.State, at time.Time) (*Event, error) {
	raw, err := json.Marshal(map[string]any{
		"version": "0", "id": id, "detail-type": DetailTypeStateChange, "source": SourceEC2,
		"account": place.Account, "time": at.UTC().Format(time.RFC3339), "region": place.Region,
		"resources": []string{"arn:aws:ec2:" + place.Region + ":" + place.Account + ":instance/" + instanceID},
		"detail":    map[string]string{"instance-id": instanceID, "state": string(state)},
	})
	if err != nil {
		return nil, fmt.Errorf("building the state event of %s: %w", instanceID, err)
	}
	return Parse(raw)
}
