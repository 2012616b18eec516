package awsapi

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

// LookupEvents' answer as AWS's API reference shows it: each event with its CloudTrailEvent,
// the whole record as a JSON string (moto 5.2 does not implement the call).
func TestRecordsOfLookupEvents(t *testing.T) {
	rec := `{"eventVersion":"1.09","eventID":"b0e8f6d2","eventName":"RunInstances"}`
	events := []cttypes.Event{
		{EventId: aws.String("b0e8f6d2"), EventName: aws.String("RunInstances"), EventSource: aws.String("ec2.amazonaws.com"), Username: aws.String("Bob"),
			Resources: []cttypes.Resource{{ResourceType: aws.String("AWS::EC2::Instance"), ResourceName: aws.String("i-0fedcba9876543210")}}, CloudTrailEvent: aws.String(rec)},
		{EventId: aws.String("b0e8f6d2")}, // no record: nothing to confirm with
	}
	if got := recordsOf(events); !slices.Equal(got, []string{rec}) {
		t.Fatalf("records %q", got)
	}
}
