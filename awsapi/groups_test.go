package awsapi_test

import (
	"context"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
)

// groupRules reads a group's rules back through DescribeSecurityGroups, as their strings, sorted.
func groupRules(t *testing.T, f *mototest.Fleet, id string) []string {
	t.Helper()
	out, err := f.EC2.DescribeSecurityGroups(f.Ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil || len(out.SecurityGroups) != 1 {
		t.Fatalf("describe %s: %v", id, err)
	}
	var got []string
	for _, r := range resource.GroupRules(awsapi.Tree(&out.SecurityGroups[0])) {
		got = append(got, r.String())
	}
	slices.Sort(got)
	return got
}

// openGroup makes a group in vpc with tcp 22 from 0.0.0.0/0, 10.0.0.0/8 and ::/0 in one
// permission and tcp 443 from 0.0.0.0/0.
func openGroup(t *testing.T, f *mototest.Fleet, vpc, name string) string {
	t.Helper()
	g, err := f.EC2.CreateSecurityGroup(f.Ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String("test"), VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.EC2.AuthorizeSecurityGroupIngress(f.Ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: []ec2types.IpPermission{
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(22), ToPort: aws.Int32(22),
			IpRanges:   []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}, {CidrIp: aws.String("10.0.0.0/8"), Description: aws.String("office")}},
			Ipv6Ranges: []ec2types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}},
		{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return *g.GroupId
}

func testVPC(t *testing.T, f *mototest.Fleet) string {
	t.Helper()
	vpc, err := f.EC2.CreateVpc(f.Ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	return *vpc.Vpc.VpcId
}

// Revoking one rule (one peer of a permission) leaves the permission's other peers and the
// group's other permissions; authorizing adds exactly the rule given.
func TestRevokeAndAuthorizeRules(t *testing.T) {
	f := mototest.NewFleet(t)
	ctx, c, at := context.Background(), newClients(), resource.Place{Region: mototest.Region}
	sg := openGroup(t, f, testVPC(t, f), "open")
	egress := sg + " egress all traffic to 0.0.0.0/0"
	if got, want := groupRules(t, f, sg), []string{
		egress,
		sg + " ingress tcp 22 from 0.0.0.0/0", sg + " ingress tcp 22 from 10.0.0.0/8", sg + " ingress tcp 22 from ::/0",
		sg + " ingress tcp 443 from 0.0.0.0/0",
	}; !slices.Equal(got, want) {
		t.Fatalf("the group as made: %q", got)
	}
	ssh := resource.GroupRule{Group: sg, Protocol: "tcp", FromPort: 22, ToPort: 22, HasPorts: true, CIDR: "0.0.0.0/0"}
	ssh6 := ssh
	ssh6.CIDR = "::/0"
	if err := c.RevokeRules(ctx, at, []resource.GroupRule{ssh, ssh6}); err != nil {
		t.Fatal(err)
	}
	if got, want := groupRules(t, f, sg), []string{egress, sg + " ingress tcp 22 from 10.0.0.0/8", sg + " ingress tcp 443 from 0.0.0.0/0"}; !slices.Equal(got, want) {
		t.Fatalf("after revoking 22 from the internet: %q", got)
	}

	// a rule gone since the read is passed over, and the others of the call revoked
	https := resource.GroupRule{Group: sg, Protocol: "tcp", FromPort: 443, ToPort: 443, HasPorts: true, CIDR: "0.0.0.0/0"}
	if err := c.RevokeRules(ctx, at, []resource.GroupRule{ssh, https}); err != nil {
		t.Fatalf("revoking a gone rule with another: %v", err)
	}
	if got, want := groupRules(t, f, sg), []string{egress, sg + " ingress tcp 22 from 10.0.0.0/8"}; !slices.Equal(got, want) {
		t.Fatalf("after revoking 22 (gone) and 443 from the internet: %q", got)
	}
	if err := c.AuthorizeIngress(ctx, at, []resource.GroupRule{https}); err != nil {
		t.Fatal(err)
	}

	office := ssh
	office.CIDR, office.Description = "192.168.0.0/16", "from restrict"
	if err := c.AuthorizeIngress(ctx, at, []resource.GroupRule{office}); err != nil {
		t.Fatal(err)
	}
	if got, want := groupRules(t, f, sg), []string{egress, sg + " ingress tcp 22 from 10.0.0.0/8", sg + " ingress tcp 22 from 192.168.0.0/16", sg + " ingress tcp 443 from 0.0.0.0/0"}; !slices.Equal(got, want) {
		t.Fatalf("after authorizing 22 from 192.168.0.0/16: %q", got)
	}

	all := resource.GroupRule{Group: sg, Egress: true, Protocol: "-1", CIDR: "0.0.0.0/0"}
	if err := c.RevokeRules(ctx, at, []resource.GroupRule{all}); err != nil {
		t.Fatal(err)
	}
	if got, want := groupRules(t, f, sg), []string{sg + " ingress tcp 22 from 10.0.0.0/8", sg + " ingress tcp 22 from 192.168.0.0/16", sg + " ingress tcp 443 from 0.0.0.0/0"}; !slices.Equal(got, want) {
		t.Fatalf("after revoking the egress rule: %q", got)
	}
}

// A group found by VPC and name is the one made there; one of the same name in another VPC
// is not found; a network interface's groups are replaced.
func TestCreateFindGroupAndSetInterfaceGroups(t *testing.T) {
	f := mototest.NewFleet(t)
	ctx, c, at := context.Background(), newClients(), resource.Place{Region: mototest.Region}
	vpc, other := testVPC(t, f), testVPC(t, f)
	if g, err := c.FindGroup(ctx, at, vpc, "ec2guard-quarantine"); err != nil || g != nil {
		t.Fatalf("FindGroup before it is made = %+v, %v; want nil, nil", g, err)
	}
	made, err := c.CreateGroup(ctx, at, vpc, "ec2guard-quarantine", "isolation", map[string]string{"ec2guard:isolation": "true"})
	if err != nil {
		t.Fatal(err)
	}
	if len(made.Rules) != 1 || !made.Rules[0].Egress || made.Rules[0].Protocol != "-1" {
		t.Errorf("a new group's rules = %v; want AWS's one egress rule", made.Rules)
	}
	if _, err := c.CreateGroup(ctx, at, other, "ec2guard-quarantine", "isolation", nil); err != nil {
		t.Fatal(err)
	}
	found, err := c.FindGroup(ctx, at, vpc, "ec2guard-quarantine")
	if err != nil || found == nil || found.ID != made.ID || found.Tags["ec2guard:isolation"] != "true" {
		t.Fatalf("FindGroup = %+v, %v; want %s tagged", found, err, made.ID)
	}

	sub, err := f.EC2.CreateSubnet(f.Ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.1.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	web := openGroup(t, f, vpc, "web")
	eni, err := f.EC2.CreateNetworkInterface(f.Ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: sub.Subnet.SubnetId, Groups: []string{web}})
	if err != nil {
		t.Fatal(err)
	}
	id := *eni.NetworkInterface.NetworkInterfaceId
	if err := c.SetInterfaceGroups(ctx, at, id, []string{made.ID}); err != nil {
		t.Fatal(err)
	}
	got, err := f.EC2.DescribeNetworkInterfaces(f.Ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{id}})
	if err != nil || len(got.NetworkInterfaces) != 1 {
		t.Fatal(err)
	}
	var ids []string
	for _, g := range got.NetworkInterfaces[0].Groups {
		ids = append(ids, aws.ToString(g.GroupId))
	}
	if !slices.Equal(ids, []string{made.ID}) {
		t.Errorf("the interface's groups = %v; want [%s]", ids, made.ID)
	}
}
