package engine

import (
	"context"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

// A rule that judges instances and security groups with ingress needs an instance's
// exposure, and of a group only its Describe: a scan's group read with that is not read again.
func TestNeedsPerKind(t *testing.T) {
	set, err := rules.Load("n.yaml", []byte(`rules:
  - name: ssh-open
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification]}
    resources: [instance, security-group]
    filters:
      - {ingress: {ports: [22]}}
    actions: [notify]
`), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	inv := &countingInventory{inventory: inventory{res: map[string]*Resource{}}}
	eng, err := New(Config{
		Rules:     set,
		NewAction: func(s rules.ActionSpec) (Action, error) { return &recorder{name: s.Name}, nil },
		Inventory: inv,
		Now:       func() time.Time { return time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := eng.ScanNeeds(resource.SecurityGroup); got != resource.NeedDescribe {
		t.Errorf("ScanNeeds(security-group) = %b, want describe only", got)
	}
	if got := eng.ScanNeeds(resource.Instance); !got.Has(resource.NeedDescribe | resource.NeedExposure) {
		t.Errorf("ScanNeeds(instance) = %b, want describe and exposure", got)
	}
	sg := scanned(resource.SecurityGroup, "sg-1", "us-east-1", "", nil)
	sg.Attrs = map[string]any{"GroupId": "sg-1", "IpPermissions": []any{map[string]any{
		"IpProtocol": "tcp", "FromPort": float64(22), "ToPort": float64(22), "IpRanges": []any{map[string]any{"CidrIp": "0.0.0.0/0"}},
	}}}
	ds := eng.Judge(context.Background(), "r1", sg)
	if got := rulesOf(ds); len(got) != 1 || got[0] != "ssh-open/notify/dry-run" {
		t.Fatalf("Judge = %v", got)
	}
	if n := inv.gets.Load(); n != 0 {
		t.Errorf("the group was read %d more times (with %b)", n, inv.needs)
	}
}
