package event

import "strings"

// SourcePrefixAWS begins the source of every event an AWS service emits (aws.ec2,
// aws.securityhub, aws.guardduty...). EventBridge reserves it: PutEvents refuses an entry
// whose source begins with it, so on an EventBridge bus no principal can claim one. Any other
// source ("mallory.app") is whatever a principal allowed events:PutEvents chose to send.
const SourcePrefixAWS = "aws."

// SourceOf returns the one source that sends events of a detail type ec2guard reads the
// resources of (EC2's state changes, Security Hub's and GuardDuty's findings), "" for
// others (CloudTrail calls come from the source of the service called: aws.ec2 for EC2's).
func SourceOf(detailType string) string {
	switch detailType {
	case DetailTypeStateChange:
		return SourceEC2
	case DetailTypeSecurityHubFindings:
		return SourceSecurityHub
	case DetailTypeGuardDutyFinding:
		return SourceGuardDuty
	}
	return ""
}

// FromAWS reports whether the event's source is an AWS service's — for a state change or a
// finding, the very service that sends them (SourceOf). Only such events carry the details
// ec2guard acts on.
func (e *Event) FromAWS() bool {
	if s := SourceOf(e.DetailType); s != "" {
		return e.Source == s
	}
	return strings.HasPrefix(e.Source, SourcePrefixAWS)
}
