package event

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
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
		{"state change", `{"id":"1","source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"instance-id":"i-1","state":"stopped"}}`, []Target{{Kind: "instance", ID: "i-1"}}, true, false},
		{"state change without id", `{"id":"1","source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"state":"stopped"}}`, nil, true, true},
		{"run instances", ct("RunInstances", `{"instancesSet":{"items":[{"instanceId":"i-1"},{"instanceId":"i-2"}]}}`, ""), []Target{{Kind: "instance", ID: "i-1"}, {Kind: "instance", ID: "i-2"}}, true, false},
		{"create volume", ct("CreateVolume", `{"volumeId":"vol-1"}`, ""), []Target{{Kind: "volume", ID: "vol-1"}}, true, false},
		{"create snapshot", ct("CreateSnapshot", `{"snapshotId":"snap-1"}`, ""), []Target{{Kind: "snapshot", ID: "snap-1"}}, true, false},
		{"create image", ct("CreateImage", `{"imageId":"ami-1"}`, ""), []Target{{Kind: "image", ID: "ami-1"}}, true, false},
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
	if err != nil || !slices.Equal(got, []Target{{Kind: "instance", ID: "i-0fedcba9876543210"}}) {
		t.Fatalf("Targets = %v, %v", got, err)
	}
	ct, _ := e.CloudTrailDetail()
	if ct.UserIdentity.UserName != "Bob" || ct.UserIdentity.PrincipalID != "AIDAJ7EQQEKFAVPO3NTQG" {
		t.Fatalf("identity = %+v", ct.UserIdentity)
	}
	if cl, err := ct.Claim(); err != nil || cl.ReservationID != "r-0a1b2c3d4e5f60718" || cl.EventID != "b0e8f6d2-6c1e-4b7a-9f3e-0c2d1a4b5e6f" || cl.Time.IsZero() {
		t.Fatalf("Claim = %+v, %v", cl, err)
	}
}

func TestClaim(t *testing.T) {
	ct := func(name, req, resp string) *CloudTrail {
		var c CloudTrail
		if err := json.Unmarshal([]byte(`{"eventID":"e-1","eventTime":"2026-11-22T10:05:00Z","eventName":"`+name+`","requestParameters":`+req+`,"responseElements":`+resp+`}`), &c); err != nil {
			t.Fatal(err)
		}
		return &c
	}
	at := time.Date(2026, 11, 22, 10, 5, 0, 0, time.UTC)
	tests := []struct {
		name string
		ct   *CloudTrail
		want Claim
		err  string
	}{
		{"run instances", ct("RunInstances", `{"networkInterfaceSet":{"items":[{"networkInterfaceId":"eni-1"},{"deviceIndex":1}]}}`, `{"reservationId":"r-1","instancesSet":{"items":[]}}`),
			Claim{EventName: "RunInstances", EventID: "e-1", Time: at, ReservationID: "r-1", NamedENIs: []string{"eni-1"}}, ""},
		{"create snapshot", ct("CreateSnapshot", `{"volumeId":"vol-1"}`, `{"snapshotId":"snap-1","volumeId":"vol-1"}`), Claim{EventName: "CreateSnapshot", EventID: "e-1", Time: at, VolumeID: "vol-1"}, ""},
		{"create snapshot naming two volumes", ct("CreateSnapshot", `{"volumeId":"vol-1"}`, `{"snapshotId":"snap-1","volumeId":"vol-2"}`), Claim{}, "names volume"},
		{"create image", ct("CreateImage", `{"instanceId":"i-1"}`, `{"imageId":"ami-1"}`), Claim{EventName: "CreateImage", EventID: "e-1", Time: at, InstanceID: "i-1"}, ""},
		{"no parameters", ct("CreateVolume", `null`, `null`), Claim{EventName: "CreateVolume", EventID: "e-1", Time: at}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.ct.Claim()
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got.EventName != tt.want.EventName || got.EventID != tt.want.EventID || !got.Time.Equal(tt.want.Time) ||
				got.ReservationID != tt.want.ReservationID || !slices.Equal(got.NamedENIs, tt.want.NamedENIs) || got.VolumeID != tt.want.VolumeID || got.InstanceID != tt.want.InstanceID {
				t.Fatalf("Claim = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	bad := ct("RunInstances", `{}`, `{}`)
	bad.EventTime = "yesterday"
	if _, err := bad.Claim(); err == nil {
		t.Fatal("an eventTime that is not RFC 3339 was read")
	}
}

// FuzzClaim: any detail either yields a claim or an error, never a panic, and a claim's time
// is the eventTime it was given.
func FuzzClaim(f *testing.F) {
	f.Add(`{"eventID":"e","eventTime":"2026-11-22T10:05:00Z","eventName":"RunInstances","requestParameters":{"networkInterfaceSet":{"items":[{"networkInterfaceId":"eni-1"}]}},"responseElements":{"reservationId":"r-1"}}`)
	f.Add(`{"eventName":"CreateSnapshot","requestParameters":{"volumeId":"vol-1"},"responseElements":{"volumeId":"vol-2"}}`)
	f.Add(`{"eventName":"CreateImage","requestParameters":null,"responseElements":[1]}`)
	f.Fuzz(func(t *testing.T, detail string) {
		var ct CloudTrail
		if json.Unmarshal([]byte(detail), &ct) != nil {
			return
		}
		cl, err := ct.Claim()
		if err == nil && ct.EventTime != "" {
			if want, perr := time.Parse(time.RFC3339, ct.EventTime); perr != nil || !cl.Time.Equal(want) {
				t.Fatalf("claim time %v for eventTime %q", cl.Time, ct.EventTime)
			}
		}
	})
}
