package event

import (
	"encoding/json"
	"fmt"
)

// Target is a resource an event concerns.
type Target struct {
	Kind string // "instance", "volume", "snapshot", "image"
	ID   string
}

// CloudTrail is the part of a CloudTrail API-call detail ec2guard reads.
type CloudTrail struct {
	EventName        string          `json:"eventName"`
	EventSource      string          `json:"eventSource"`
	EventTime        string          `json:"eventTime"`
	ErrorCode        string          `json:"errorCode"`
	ErrorMessage     string          `json:"errorMessage"`
	UserIdentity     UserIdentity    `json:"userIdentity"`
	ResponseElements json.RawMessage `json:"responseElements"`
}

// UserIdentity is CloudTrail's userIdentity element.
type UserIdentity struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
	InvokedBy   string `json:"invokedBy"`
	OnBehalfOf  struct {
		UserID string `json:"userId"`
	} `json:"onBehalfOf"`
	SessionContext struct {
		SessionIssuer struct {
			Type     string `json:"type"`
			ARN      string `json:"arn"`
			UserName string `json:"userName"`
		} `json:"sessionIssuer"`
	} `json:"sessionContext"`
}

// CloudTrailDetail decodes the detail of an "AWS API Call via CloudTrail" event.
func (e *Event) CloudTrailDetail() (*CloudTrail, error) {
	if e.DetailType != DetailTypeAPICall {
		return nil, fmt.Errorf("event %s is a %q, not a CloudTrail API call", e.ID, e.DetailType)
	}
	var ct CloudTrail
	if err := json.Unmarshal(e.Detail, &ct); err != nil {
		return nil, fmt.Errorf("decoding CloudTrail detail of event %s: %w", e.ID, err)
	}
	return &ct, nil
}

// Targets returns the resources an event concerns: the instance of a state change, or what a
// successful RunInstances, CreateVolume, CreateSnapshot or CreateImage created. A failed call
// (errorCode) and other events concern nothing; ok reports whether the event is of a kind
// ec2guard knows how to read resources from.
func Targets(e *Event) (targets []Target, known bool, err error) {
	switch e.DetailType {
	case DetailTypeStateChange:
		var d struct {
			InstanceID string `json:"instance-id"`
		}
		if err := json.Unmarshal(e.Detail, &d); err != nil {
			return nil, true, fmt.Errorf("decoding state-change detail: %w", err)
		}
		if d.InstanceID == "" {
			return nil, true, fmt.Errorf("state-change event %s has no detail.instance-id", e.ID)
		}
		return []Target{{Kind: "instance", ID: d.InstanceID}}, true, nil
	case DetailTypeAPICall:
		ct, err := e.CloudTrailDetail()
		if err != nil {
			return nil, true, err
		}
		if ct.ErrorCode != "" {
			return nil, true, nil
		}
		var resp struct {
			InstancesSet struct {
				Items []struct {
					InstanceID string `json:"instanceId"`
				} `json:"items"`
			} `json:"instancesSet"`
			VolumeID   string `json:"volumeId"`
			SnapshotID string `json:"snapshotId"`
			ImageID    string `json:"imageId"`
		}
		if len(ct.ResponseElements) > 0 && string(ct.ResponseElements) != "null" {
			if err := json.Unmarshal(ct.ResponseElements, &resp); err != nil {
				return nil, true, fmt.Errorf("decoding responseElements of %s: %w", ct.EventName, err)
			}
		}
		switch ct.EventName {
		case "RunInstances":
			for _, it := range resp.InstancesSet.Items {
				if it.InstanceID != "" {
					targets = append(targets, Target{Kind: "instance", ID: it.InstanceID})
				}
			}
		case "CreateVolume":
			targets = appendID(targets, "volume", resp.VolumeID)
		case "CreateSnapshot":
			targets = appendID(targets, "snapshot", resp.SnapshotID)
		case "CreateImage":
			targets = appendID(targets, "image", resp.ImageID)
		default:
			return nil, false, nil
		}
		return targets, true, nil
	}
	return nil, false, nil
}

func appendID(ts []Target, kind, id string) []Target {
	if id == "" {
		return ts
	}
	return append(ts, Target{Kind: kind, ID: id})
}
