package event

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ec2guard/ec2guard/resource"
)

// Target is a resource an event concerns. Its Place is where the event says it lives when
// that is not the event's own account and region (a finding aggregated from another region
// or account); zero fields are the event's.
type Target struct {
	Kind  resource.Kind
	ID    string
	Place resource.Place
}

// CloudTrail is the part of a CloudTrail API-call detail ec2guard reads.
type CloudTrail struct {
	EventID            string          `json:"eventID"`
	EventName          string          `json:"eventName"`
	EventSource        string          `json:"eventSource"`
	EventTime          string          `json:"eventTime"`
	ErrorCode          string          `json:"errorCode"`
	ErrorMessage       string          `json:"errorMessage"`
	RecipientAccountID string          `json:"recipientAccountId"`
	UserIdentity       UserIdentity    `json:"userIdentity"`
	RequestParameters  json.RawMessage `json:"requestParameters"`
	ResponseElements   json.RawMessage `json:"responseElements"`
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
		return nil, fmt.Errorf("CloudTrail detail of event %s: %w", e.ID, JSONError(e.Detail, err, "detail"))
	}
	return &ct, nil
}

// Targets returns the resources an event concerns: the instance of a state change; what a
// successful CloudTrail call of the table in calls.go created or changed (an account-level
// call: the account, its ID the account id); the EC2 resources a Security Hub or GuardDuty
// finding names (findings.go). A failed call (errorCode) and other events concern nothing;
// known reports whether the event is of a kind ec2guard knows how to read resources from.
func Targets(e *Event) (targets []Target, known bool, err error) {
	switch e.DetailType {
	case DetailTypeStateChange:
		var d struct {
			InstanceID string `json:"instance-id"`
		}
		if err := json.Unmarshal(e.Detail, &d); err != nil {
			return nil, true, fmt.Errorf("state-change event %s: %w", e.ID, JSONError(e.Detail, err, "detail"))
		}
		if d.InstanceID == "" {
			return nil, true, fmt.Errorf("state-change event %s has no detail.instance-id", e.ID)
		}
		return []Target{{Kind: resource.Instance, ID: d.InstanceID}}, true, nil
	case DetailTypeAPICall:
		ct, err := e.CloudTrailDetail()
		if err != nil {
			return nil, true, err
		}
		if ct.ErrorCode != "" {
			_, known := callByName[ct.EventName]
			return nil, known, nil
		}
		return callTargets(e, ct)
	case DetailTypeSecurityHubFindings:
		return securityHubTargets(e)
	case DetailTypeGuardDutyFinding:
		return guardDutyTargets(e)
	}
	return nil, false, nil
}

// Claim is what a CloudTrail event says its call created, in the values that can be checked
// against the resources as they are: an event is a claim, not a fact (anyone who can write to
// an event source can write one), so ec2guard tags a resource only where it matches the call.
type Claim struct {
	EventName string
	EventID   string    // CloudTrail's eventID, which LookupEvents can confirm
	Time      time.Time // eventTime; zero when the event has none (or not RFC 3339)
	// RunInstances: the reservation the call made, and the network interfaces it attached by
	// id (they existed before the call, so it did not create them).
	ReservationID string
	NamedENIs     []string
	// CreateSnapshot: the volume the call snapshotted; CreateImage: the instance it imaged.
	VolumeID, InstanceID string
}

// Claim reads what the call claims to have created.
func (ct *CloudTrail) Claim() (Claim, error) {
	c := Claim{EventName: ct.EventName, EventID: ct.EventID}
	if ct.EventTime != "" {
		t, err := time.Parse(time.RFC3339, ct.EventTime)
		if err != nil {
			return c, fmt.Errorf("eventTime %q: %w", ct.EventTime, err)
		}
		c.Time = t
	}
	var resp struct {
		ReservationID string `json:"reservationId"`
		VolumeID      string `json:"volumeId"`
	}
	if err := decodeElements(ct.ResponseElements, &resp); err != nil {
		return c, fmt.Errorf("decoding responseElements of %s: %w", ct.EventName, err)
	}
	var req struct {
		VolumeID     string `json:"volumeId"`
		InstanceID   string `json:"instanceId"`
		NetworkIfSet struct {
			Items []struct {
				NetworkInterfaceID string `json:"networkInterfaceId"`
			} `json:"items"`
		} `json:"networkInterfaceSet"`
	}
	if err := decodeElements(ct.RequestParameters, &req); err != nil {
		return c, fmt.Errorf("decoding requestParameters of %s: %w", ct.EventName, err)
	}
	switch ct.EventName {
	case "RunInstances":
		c.ReservationID = resp.ReservationID
		for _, it := range req.NetworkIfSet.Items {
			if it.NetworkInterfaceID != "" {
				c.NamedENIs = append(c.NamedENIs, it.NetworkInterfaceID)
			}
		}
	case "CreateSnapshot":
		c.VolumeID = req.VolumeID
		if resp.VolumeID != "" && resp.VolumeID != req.VolumeID {
			// A genuine event names one volume in both; two disagreeing is no call EC2 made.
			return c, fmt.Errorf("CreateSnapshot names volume %q in its request and %q in its response", req.VolumeID, resp.VolumeID)
		}
	case "CreateImage":
		c.InstanceID = req.InstanceID
	}
	return c, nil
}

func decodeElements(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return json.Unmarshal(raw, v)
}
