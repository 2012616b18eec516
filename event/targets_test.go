package event

import (
	"os"
	"slices"
	"testing"
)

func TestTargets(t *testing.T) {
	ct := func(name, resp, extra string) string {
		return `{"id":"1","source":"aws.ec2","detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"` + name + `"` + extra + `,"responseElements":` + resp + `}}`
	}
	tests := []struct {
		name  string
		src   string
		want  []Target
		known bool
		err   bool
	}{
		{"state change", `{"id":"1","source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"instance-id":"i-1","state":"stopped"}}`, []Target{{"instance", "i-1"}}, true, false},
		{"state change without id", `{"id":"1","source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"state":"stopped"}}`, nil, true, true},
		{"run instances", ct("RunInstances", `{"instancesSet":{"items":[{"instanceId":"i-1"},{"instanceId":"i-2"}]}}`, ""), []Target{{"instance", "i-1"}, {"instance", "i-2"}}, true, false},
		{"create volume", ct("CreateVolume", `{"volumeId":"vol-1"}`, ""), []Target{{"volume", "vol-1"}}, true, false},
		{"create snapshot", ct("CreateSnapshot", `{"snapshotId":"snap-1"}`, ""), []Target{{"snapshot", "snap-1"}}, true, false},
		{"create image", ct("CreateImage", `{"imageId":"ami-1"}`, ""), []Target{{"image", "ami-1"}}, true, false},
		{"failed call", ct("RunInstances", `null`, `,"errorCode":"Client.UnauthorizedOperation"`), nil, true, false},
		{"other call", ct("DescribeInstances", `null`, ""), nil, false, false},
		{"other event", `{"id":"1","source":"aws.s3","detail-type":"Object Created","detail":{}}`, nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := Parse([]byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			got, known, err := Targets(e)
			if (err != nil) != tt.err || known != tt.known || !slices.Equal(got, tt.want) {
				t.Fatalf("Targets = %v, %v, %v; want %v, %v, err %v", got, known, err, tt.want, tt.known, tt.err)
			}
		})
	}
}

func TestExampleEventTargets(t *testing.T) {
	src, err := os.ReadFile("../examples/events/run-instances.json")
	if err != nil {
		t.Fatal(err)
	}
	e, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := Targets(e)
	if err != nil || !slices.Equal(got, []Target{{"instance", "i-0fedcba9876543210"}}) {
		t.Fatalf("Targets = %v, %v", got, err)
	}
	ct, _ := e.CloudTrailDetail()
	if ct.UserIdentity.UserName != "Bob" || ct.UserIdentity.PrincipalID != "AIDAJ7EQQEKFAVPO3NTQG" {
		t.Fatalf("identity = %+v", ct.UserIdentity)
	}
}
