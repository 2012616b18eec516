package act

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
)

// quarantine on moto where the VPC has a group of the isolation group's name already (with
// the egress rule AWS gives a new group, and an ingress rule): one that is not ec2guard's is
// not used and nothing changes; one that is
// ec2guard's, is used and its rules revoked first (the instance's
// interface gets it alone, the instance is tagged; the dry run and a held-back run change
// nothing, a second run skips).
func TestQuarantineFoundGroup(t *testing.T) {
	f := newFleet(t)
	ctx := f.Ctx
	c := awsapi.New()
	c.MaxBackoff = 1
	isolationGroup := func(vpc string, tags map[string]string) string {
		t.Helper()
		in := &ec2.CreateSecurityGroupInput{GroupName: aws.String("ec2guard-quarantine"), Description: aws.String("x"), VpcId: &vpc}
		for k, v := range tags {
			in.TagSpecifications = []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup, Tags: []ec2types.Tag{{Key: aws.String(k), Value: aws.String(v)}}}}
		}
		g, err := f.EC2.CreateSecurityGroup(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.EC2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: []ec2types.IpPermission{
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/8")}}}}}); err != nil {
			t.Fatal(err)
		}
		return *g.GroupId
	}
	groupsOf := func(r *resource.Resource) string {
		var out []string
		l, _ := r.Attrs["NetworkInterfaces"].([]any)
		for _, n := range l {
			gs, _ := n.(map[string]any)["Groups"].([]any)
			for _, g := range gs {
				out = append(out, g.(map[string]any)["GroupId"].(string))
			}
		}
		return strings.Join(out, ",")
	}

	id := f.Run(nil, false)
	r, err := c.Get(ctx, resource.Ref{Kind: resource.Instance, ID: id, Place: resource.Place{Region: mototest.Region}}, resource.NeedDescribe)
	if err != nil {
		t.Fatal(err)
	}
	vpc, _ := r.Attrs["VpcId"].(string)
	theirs := isolationGroup(vpc, nil)
	res := build(t, "quarantine", nil).Do(context.Background(), engine.Invocation{Rule: "r", Resource: r,
		BeforeMutating: func(context.Context) error { t.Error("a refused quarantine mutates"); return nil }})
	if res.Outcome != engine.Failed || res.Err == nil || !strings.Contains(res.Err.Error(), theirs+" (ec2guard-quarantine in "+vpc+") has 2 rules and is not ec2guard's") {
		t.Errorf("a group not ec2guard's: %+v", res)
	}
	if _, err := f.EC2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &theirs}); err != nil {
		t.Fatal(err)
	}
	ours := isolationGroup(vpc, map[string]string{"ec2guard:quarantine": "isolation"})
	runSettingsCase(t, c, settingsCase{name: "ours, with a rule", action: "quarantine", kind: resource.Instance, id: id,
		reason: "revoked 2 rules of " + ours + ": ingress tcp 22 from 10.0.0.0/8, egress all traffic to 0.0.0.0/0", want: func(r *resource.Resource) string {
			g, err := f.EC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{ours}})
			switch {
			case err != nil:
				return err.Error()
			case groupsOf(r) != ours:
				return "the interface's groups are " + groupsOf(r)
			case len(g.SecurityGroups[0].IpPermissions)+len(g.SecurityGroups[0].IpPermissionsEgress) != 0:
				return fmt.Sprintf("the isolation group keeps %+v %+v", g.SecurityGroups[0].IpPermissions, g.SecurityGroups[0].IpPermissionsEgress)
			case r.Tags["ec2guard:quarantined"] == "" || r.Tags["ec2guard:quarantine-reason"] != "rule r":
				return fmt.Sprintf("the instance's tags: %v", r.Tags)
			}
			return ""
		}})
}

// The reason quarantine tags names the call of the event that told of it, as EventBridge
// delivers it (the event's EventName is set only by a CloudTrail log source).
func TestQuarantineReasonNamesTheCall(t *testing.T) {
	q := build(t, "quarantine", nil).(rereading).decider.(*quarantine)
	ev := ctEvent(t, "ev-1", "RunInstances", time.Now(), alice, `{}`, `{}`)
	if got := q.why(engine.Invocation{Rule: "r", Event: ev}); got != "rule r on RunInstances" {
		t.Errorf("why = %q, want %q", got, "rule r on RunInstances")
	}
	if got := q.why(engine.Invocation{Rule: "r"}); got != "rule r" {
		t.Errorf("why without an event = %q", got)
	}
}
