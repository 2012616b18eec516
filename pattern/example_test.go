package pattern_test

import (
	"fmt"

	"github.com/ec2guard/ec2guard/pattern"
)

func Example() {
	stopProtection, err := pattern.Parse([]byte(`{
		"source": ["aws.ec2"],
		"detail-type": ["EC2 Instance State-change Notification"],
		"detail": {"state": ["stopped"]}
	}`))
	if err != nil {
		panic(err)
	}
	autoTag, err := pattern.Parse([]byte(`{
		"detail-type": ["AWS API Call via CloudTrail"],
		"detail": {"eventName": ["RunInstances", "CreateVolume"], "errorCode": [{"exists": false}]}
	}`))
	if err != nil {
		panic(err)
	}
	m, err := pattern.Compile([]*pattern.Pattern{stopProtection, autoTag})
	if err != nil {
		panic(err)
	}
	event := []byte(`{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification",
		"detail":{"instance-id":"i-0abc","state":"stopped"}}`)
	matched, err := m.Match(event, nil)
	fmt.Println(matched, err)
	// Output: [0] <nil>
}

func ExampleParse_invalid() {
	_, err := pattern.Parse([]byte(`{"detail":{"state":"stopped"}}`))
	fmt.Println(err)
	// Output: detail.state: match values must be in an array (for example ["stopped"])
}
