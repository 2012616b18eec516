package event

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/ec2guard/ec2guard/resource"
)

// example reads an example event, changes it, and parses it.
func example(t *testing.T, file string, change func(ev, detail map[string]any)) *Event {
	t.Helper()
	src, err := os.ReadFile("../examples/events/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(src, &ev); err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(ev, ev["detail"].(map[string]any))
	}
	raw, _ := json.Marshal(ev)
	e, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSecurityHubTargets(t *testing.T) {
	finding := func(d map[string]any) map[string]any { return d["findings"].([]any)[0].(map[string]any) }
	res := func(d map[string]any) map[string]any { return finding(d)["Resources"].([]any)[0].(map[string]any) }
	inst := Target{Kind: resource.Instance, ID: "i-1234567890abcdef0"}
	tests := []struct {
		name   string
		change func(ev, d map[string]any)
		want   []Target
	}{
		{"an instance", nil, []Target{inst}},
		{"a security group", func(_, d map[string]any) {
			res(d)["Type"], res(d)["Id"] = "AwsEc2SecurityGroup", "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123456789abcdef0"
		}, []Target{{Kind: resource.SecurityGroup, ID: "sg-0123456789abcdef0"}}},
		{"a volume", func(_, d map[string]any) {
			res(d)["Type"], res(d)["Id"] = "AwsEc2Volume", "arn:aws:ec2:us-east-1:123456789012:volume/vol-01"
		},
			[]Target{{Kind: resource.Volume, ID: "vol-01"}}},
		{"a subnet", func(_, d map[string]any) {
			res(d)["Type"], res(d)["Id"] = "AwsEc2Subnet", "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-01"
		},
			[]Target{{Kind: resource.Subnet, ID: "subnet-01"}}},
		{"a network ACL", func(_, d map[string]any) {
			res(d)["Type"], res(d)["Id"] = "AwsEc2NetworkAcl", "arn:aws:ec2:us-east-1:123456789012:network-acl/acl-01"
		}, []Target{{Kind: resource.NetworkACL, ID: "acl-01"}}},
		{"an Elastic IP", func(_, d map[string]any) {
			res(d)["Type"], res(d)["Id"] = "AwsEc2Eip", "arn:aws:ec2:us-east-1:123456789012:eip-allocation/eipalloc-01"
		}, []Target{{Kind: resource.Address, ID: "eipalloc-01"}}},
		{"a launch template", func(_, d map[string]any) {
			res(d)["Type"], res(d)["Id"] = "AwsEc2LaunchTemplate", "arn:aws:ec2:us-east-1:123456789012:launch-template/lt-01"
		}, []Target{{Kind: resource.LaunchTemplate, ID: "lt-01"}}},
		{"the account", func(_, d map[string]any) { res(d)["Type"], res(d)["Id"] = "AwsAccount", "AWS::::Account:123456789012" },
			[]Target{{Kind: resource.Account, ID: "123456789012"}}},
		{"an id without ARN", func(_, d map[string]any) { res(d)["Id"] = "i-0bbbbbbbbbbbbbbb1" }, []Target{{Kind: resource.Instance, ID: "i-0bbbbbbbbbbbbbbb1"}}},
		{"another region, aggregated", func(_, d map[string]any) {
			res(d)["Id"], res(d)["Region"] = "arn:aws:ec2:eu-west-1:123456789012:instance/i-1234567890abcdef0", "eu-west-1"
		}, []Target{{Kind: resource.Instance, ID: "i-1234567890abcdef0", Place: resource.Place{Region: "eu-west-1"}}}},
		{"another account, aggregated", func(_, d map[string]any) {
			finding(d)["AwsAccountId"] = "444455556666"
			res(d)["Id"] = "arn:aws:ec2:us-east-1:444455556666:instance/i-1234567890abcdef0"
		}, []Target{{Kind: resource.Instance, ID: "i-1234567890abcdef0", Place: resource.Place{Account: "444455556666"}}}},
		{"another account's settings", func(_, d map[string]any) {
			finding(d)["AwsAccountId"], finding(d)["Region"] = "444455556666", "eu-west-1"
			res(d)["Type"], res(d)["Id"], res(d)["Region"] = "AwsAccount", "AWS::::Account:444455556666", "eu-west-1"
		}, []Target{{Kind: resource.Account, ID: "444455556666", Place: resource.Place{Account: "444455556666", Region: "eu-west-1"}}}},
		{"a kind rules do not judge", func(_, d map[string]any) { res(d)["Type"], res(d)["Id"] = "AwsS3Bucket", "arn:aws:s3:::bucket" }, nil},
		{"an id not of its kind", func(_, d map[string]any) { res(d)["Id"] = "arn:aws:ec2:us-east-1:123456789012:instance/sg-01" }, nil},
		{"resolved", func(_, d map[string]any) { finding(d)["Workflow"] = map[string]any{"Status": "RESOLVED"} }, nil},
		{"suppressed", func(_, d map[string]any) { finding(d)["Workflow"] = map[string]any{"Status": "SUPPRESSED"} }, nil},
		{"notified", func(_, d map[string]any) { finding(d)["Workflow"] = map[string]any{"Status": "NOTIFIED"} }, []Target{inst}},
		{"archived", func(_, d map[string]any) { finding(d)["RecordState"] = "ARCHIVED" }, nil},
		{"a sample", func(_, d map[string]any) { finding(d)["Sample"] = true }, nil},
		{"a custom product's", func(_, d map[string]any) {
			finding(d)["ProductArn"] = "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default"
		}, nil},
		{"a partner's", func(_, d map[string]any) {
			finding(d)["ProductArn"] = "arn:aws:securityhub:us-east-1::product/crowdstrike/crowdstrike-falcon"
		}, nil},
		{"GuardDuty's, through Security Hub", func(_, d map[string]any) {
			finding(d)["ProductArn"] = "arn:aws:securityhub:us-east-1::product/aws/guardduty"
		}, []Target{inst}},
		{"two findings, one resource twice", func(_, d map[string]any) {
			d["findings"] = append(d["findings"].([]any), d["findings"].([]any)[0])
		}, []Target{inst}},
		{"no findings", func(_, d map[string]any) { delete(d, "findings") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := example(t, "securityhub-finding.json", tt.change)
			got, known, err := Targets(e)
			if err != nil || !known || !slices.Equal(got, tt.want) {
				t.Fatalf("Targets = %v, %v, %v; want %v", got, known, err, tt.want)
			}
		})
	}
	e := example(t, "securityhub-finding.json", func(_, d map[string]any) { d["findings"] = "x" })
	if _, known, err := Targets(e); err == nil || !known {
		t.Fatalf("findings that are not a list: %v, %v", known, err)
	}
}

func TestGuardDutyTargets(t *testing.T) {
	svc := func(d map[string]any) map[string]any { return d["service"].(map[string]any) }
	inst := Target{Kind: resource.Instance, ID: "i-1234567890abcdef0"}
	tests := []struct {
		name   string
		change func(ev, d map[string]any)
		want   []Target
	}{
		{"an instance", nil, []Target{inst}},
		{"another account and region (the administrator's bus)", func(ev, d map[string]any) { d["accountId"], d["region"] = "444455556666", "eu-west-1" },
			[]Target{{Kind: resource.Instance, ID: "i-1234567890abcdef0", Place: resource.Place{Account: "444455556666", Region: "eu-west-1"}}}},
		{"archived", func(_, d map[string]any) { svc(d)["archived"] = true }, nil},
		{"a sample", func(_, d map[string]any) { svc(d)["additionalInfo"] = map[string]any{"sample": true} }, nil},
		{"an access key", func(_, d map[string]any) {
			d["resource"] = map[string]any{"resourceType": "AccessKey", "accessKeyDetails": map[string]any{"accessKeyId": "AKIA"}}
		}, nil},
		{"no instance id", func(_, d map[string]any) { d["resource"] = map[string]any{"resourceType": "Instance"} }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, known, err := Targets(example(t, "guardduty-finding.json", tt.change))
			if err != nil || !known || !slices.Equal(got, tt.want) {
				t.Fatalf("Targets = %v, %v, %v; want %v", got, known, err, tt.want)
			}
		})
	}
}

func TestFromAWS(t *testing.T) {
	tests := []struct {
		file, source string
		want         bool
	}{
		{"securityhub-finding.json", "aws.securityhub", true},
		{"securityhub-finding.json", "aws.ec2", false},
		{"securityhub-finding.json", "mallory.app", false},
		{"guardduty-finding.json", "aws.guardduty", true},
		{"guardduty-finding.json", "aws.securityhub", false},
		{"instance-stopped.json", "aws.ec2", true},
		{"instance-stopped.json", "aws.autoscaling", false},
		{"run-instances.json", "aws.ec2", true},
		{"run-instances.json", "mallory.app", false},
	}
	for _, tt := range tests {
		e := example(t, tt.file, func(ev, _ map[string]any) { ev["source"] = tt.source })
		if got := e.FromAWS(); got != tt.want {
			t.Errorf("%s from %s: FromAWS = %v", tt.file, tt.source, got)
		}
	}
}

// FuzzTargets: any event either yields targets or an error, never a panic, and every target
// has a kind rules judge and an id.
func FuzzTargets(f *testing.F) {
	for _, file := range []string{"securityhub-finding.json", "guardduty-finding.json", "run-instances.json", "instance-stopped.json"} {
		src, err := os.ReadFile("../examples/events/" + file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte(ctEvent("AssociateAddress", `{"allocationId":"eipalloc-1","instanceId":["i-1",{"x":"i-2"}]}`, `{}`)))
	f.Fuzz(func(t *testing.T, src []byte) {
		e, err := Parse(src)
		if err != nil {
			return
		}
		ts, _, err := Targets(e)
		if err != nil {
			return
		}
		for _, tg := range ts {
			if _, ok := resource.ParseKind(string(tg.Kind)); !ok || tg.ID == "" {
				t.Fatalf("target %+v", tg)
			}
		}
	})
}
