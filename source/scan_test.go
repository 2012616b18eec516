package source

import (
	"slices"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/pattern"
)

func TestScanRules(t *testing.T) {
	pats := []string{
		`{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["stopped"]}}`,                        // 0: yes
		`{"source":["aws.ec2"],"detail-type":["AWS API Call via CloudTrail"],"detail":{"eventName":["RunInstances"]}}`,                          // 1: CloudTrail
		`{"detail":{"state":[{"anything-but":"terminated"}]}}`,                                                                                  // 2: yes
		`{"detail-type":["EC2 Instance State-change Notification"],"detail":{"state":["terminated"]}}`,                                          // 3: never listed
		`{"source":["aws.ec2"],"detail":{"instance-id":[{"prefix":"i-"}],"state":["running","pending"]}}`,                                       // 4: yes
		`{"source":["aws.ec2"],"detail-type":["EC2 Spot Instance Interruption Warning"]}`,                                                       // 5: another event
		`{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"region":["eu-west-1"],"detail":{"state":["stopped"]}}`, // 6: only where scanned
	}
	var ps []*pattern.Pattern
	for _, src := range pats {
		p, err := pattern.Parse([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	m, err := pattern.Compile(ps)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		places []Place
		want   []int
	}{
		{[]Place{{"us-east-1", "123456789012"}}, []int{0, 2, 4}},
		{[]Place{{"us-east-1", "123456789012"}, {"eu-west-1", ""}}, []int{0, 2, 4, 6}},
		{nil, nil},
	} {
		got, err := ScanRules(m, c.places)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("ScanRules(%v) = %v, want %v", c.places, got, c.want)
		}
	}
}

func TestStateEventMatches(t *testing.T) {
	ev, err := StateEvent("scan-1-i-1", "123456789012", "eu-west-1", "i-0123", "stopped", time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pattern.Parse([]byte(`{"source":["aws.ec2"],"detail-type":["EC2 Instance State-change Notification"],"resources":[{"suffix":"instance/i-0123"}],"detail":{"instance-id":["i-0123"],"state":["stopped"]}}`))
	if err != nil {
		t.Fatal(err)
	}
	m, err := pattern.Compile([]*pattern.Pattern{p})
	if err != nil {
		t.Fatal(err)
	}
	hits, err := m.Match(ev.Raw, nil)
	if err != nil || len(hits) != 1 {
		t.Fatalf("hits %v, err %v", hits, err)
	}
	if ev.ID != "scan-1-i-1" || ev.Account != "123456789012" || ev.Region != "eu-west-1" || ev.Time != "2026-11-22T10:00:00Z" {
		t.Fatalf("envelope %+v", ev)
	}
}
