package event

import "strings"

// SourcePrefixAWS begins the source of every event an AWS service emits (aws.ec2,
// aws.securityhub, aws.guardduty...). EventBridge reserves it: PutEvents refuses an entry
// whose source begins with it, so on an EventBridge bus no principal can claim one. Any other
// source ("mallory.app") is whatever a principal allowed events:PutEvents chose to send.
const SourcePrefixAWS = "aws."

// FromAWS reports whether the event's source is an AWS service's — for an EC2 state change,
// EC2's own (aws.ec2). Only such events carry CloudTrail and state-change details ec2guard
// acts on.
func (e *Event) FromAWS() bool {
	if e.DetailType == DetailTypeStateChange {
		return e.Source == SourceEC2
	}
	return strings.HasPrefix(e.Source, SourcePrefixAWS)
}
