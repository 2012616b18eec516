package awsapi

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/ec2guard/ec2guard/resource"
)

// LookupEvent returns the records CloudTrail's event history holds under an event ID, each
// the CloudTrailEvent JSON of LookupEvents' answer, in a place (its region and account). The history covers 90 days and shows a call some minutes after it was made
// (AWS: "typically within 5 minutes", "not guaranteed"); none is an empty answer, not an
// error. LookupEvents allows two requests per second per account and region: the SDK's
// retryer backs off when it is throttled.
func (c *Clients) LookupEvent(ctx context.Context, at resource.Place, eventID string) ([]string, error) {
	cfg, acct, err := c.accountConfig(ctx, at.Account)
	region := at.Region
	if err != nil {
		return nil, err
	}
	key := acct + "/" + region
	c.mu.Lock()
	cl, ok := c.cloudtrail[key]
	if !ok {
		cl = cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) {
			if region != "" {
				o.Region = region
			}
		})
		if c.cloudtrail == nil {
			c.cloudtrail = map[string]*cloudtrail.Client{}
		}
		c.cloudtrail[key] = cl
	}
	c.mu.Unlock()
	out, err := cl.LookupEvents(ctx, &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventId, AttributeValue: aws.String(eventID)}},
	})
	if err != nil {
		return nil, fmt.Errorf("looking up CloudTrail event %s: %w", eventID, err)
	}
	return recordsOf(out.Events), nil
}

// recordsOf keeps the CloudTrailEvent JSON of each event of a LookupEvents answer.
func recordsOf(events []cttypes.Event) []string {
	var recs []string
	for _, e := range events {
		if e.CloudTrailEvent != nil {
			recs = append(recs, *e.CloudTrailEvent)
		}
	}
	return recs
}
