package rules

import "testing"

func TestSelectsStateChanges(t *testing.T) {
	for _, c := range []struct {
		pattern string
		want    bool
	}{
		{`{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["stopped"]}}`, true},
		{`{"source":["aws.ec2"],"region":["eu-west-1"],"detail":{"state":["stopped"]}}`, true}, // whatever the place
		{`{"detail":{"instance-id":["i-1"]}}`, true},
		{`{"region":["eu-west-1"]}`, true}, // nothing says which events: these too
		{`{"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["terminated"]}}`, true},
		{`{"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["RunInstances"]}}`, false},
		{`{"source":["aws.ec2"],"detail-type":["EC2 Spot Instance Interruption Warning"]}`, false},
		{`{"$or":[{"detail-type":["AWS API Call via CloudTrail"]},{"detail":{"state":["running"]}}]}`, true},
	} {
		r := &Rule{Pattern: []byte(c.pattern)}
		if got := r.SelectsStateChanges(); got != c.want {
			t.Errorf("SelectsStateChanges(%s) = %v, want %v", c.pattern, got, c.want)
		}
	}
}
