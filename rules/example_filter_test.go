package rules_test

import (
	"fmt"
	"time"

	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

// A rule's filters are compiled when the file loads, for the kinds the rule judges; Match
// judges a resource as a reader filled it (Attrs, and Read saying what was fetched).
func ExampleFilter_Match() {
	src := `rules:
  - name: imdsv2
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification]}
    resources: [instance]
    filters:
      - {attr: MetadataOptions.HttpTokens, not-equals: required}
      - {attr: "BlockDeviceMappings[].Ebs.DeleteOnTermination", equals: false}
    actions: [stop]
`
	set, err := rules.Load("rules.yaml", []byte(src), rules.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	in := &resource.Resource{
		Ref: resource.Ref{Kind: resource.Instance, ID: "i-0abc"}, Exists: true, Read: resource.NeedDescribe,
		Attrs: map[string]any{
			"MetadataOptions":     map[string]any{"HttpTokens": "optional"},
			"BlockDeviceMappings": []any{map[string]any{"Ebs": map[string]any{"DeleteOnTermination": false}}},
		},
	}
	for _, f := range set.Rules[0].Filters {
		fmt.Println(f, "→", f.Match(in, time.Now()))
	}
	// Output:
	// attr MetadataOptions.HttpTokens not-equals [required] → true
	// attr BlockDeviceMappings[].Ebs.DeleteOnTermination equals [false] → true
}

// Paths, operators and values are checked against the schema of each kind the rule judges.
func ExampleLoad_filterErrors() {
	src := `rules:
  - name: imdsv2
    pattern: {source: [aws.ec2]}
    resources: [instance]
    filters:
      - {attr: MetadataOptions.HttpTokns, equals: required}
      - {attr: MetadataOptions.HttpTokens, equals: requird}
      - {ingress: {ports: [22, 70000]}}
    actions: [stop]
  - name: old-volumes
    pattern: {source: [aws.ec2]}
    resources: [volume]
    filters:
      - {stopped-for: 30d}
    actions: [stop]
`
	_, err := rules.Load("rules.yaml", []byte(src), rules.Options{})
	fmt.Println(err)
	// Output:
	// rules.yaml:6:32: attr: unknown field HttpTokns of MetadataOptions (instance) (did you mean HttpTokens?); known: HttpEndpoint, HttpProtocolIpv6, HttpPutResponseHopLimit, HttpTokens, InstanceMetadataTags, State
	// rules.yaml:7:52: "requird" is not a value of MetadataOptions.HttpTokens of instance (one of: optional, required); did you mean required?
	// rules.yaml:8:32: ports: port 70000 is past 65535
	// rules.yaml:14:10: a stopped-for filter does not apply to volume, which the rule judges (resources: [volume]); narrow the rule's resources or drop the filter
}
