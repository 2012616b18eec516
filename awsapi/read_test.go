package awsapi_test

import (
	"context"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/internal/faultproxy"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
)

const allNeeds = resource.NeedDescribe | resource.NeedUserData | resource.NeedExposure | resource.NeedUsage | resource.NeedSharing | resource.NeedProtection | resource.NeedPermissions

func newClients() *awsapi.Clients {
	c := awsapi.New()
	c.MaxBackoff = 1 // moto's 500s for the calls it lacks are retried without waiting
	return c
}

// listed lists a kind of the test region into a map by id.
func listed(t *testing.T, c *awsapi.Clients, kind resource.Kind, needs resource.Needs) map[string]*resource.Resource {
	t.Helper()
	out := map[string]*resource.Resource{}
	err := c.List(context.Background(), kind, resource.Place{Region: mototest.Region}, needs, func(r *resource.Resource) error {
		if _, dup := out[r.ID]; dup {
			t.Errorf("%s %s listed twice", kind, r.ID)
		}
		out[r.ID] = r
		return nil
	})
	if err != nil {
		t.Fatalf("List %s: %v", kind, err)
	}
	return out
}

// at walks an Attrs path of object fields and list indexes.
func at(t *testing.T, attrs map[string]any, path ...any) any {
	t.Helper()
	var v any = attrs
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: %v is not an object", path, v)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("%v: %v has no element %d", path, v, k)
			}
			v = l[k]
		}
	}
	return v
}

func expect(t *testing.T, r *resource.Resource, want any, path ...any) {
	t.Helper()
	if r == nil {
		t.Fatalf("resource not read (want %v at %v)", want, path)
	}
	if got := at(t, r.Attrs, path...); !reflect.DeepEqual(got, want) {
		t.Errorf("%s %s: %v = %#v, want %#v", r.Kind, r.ID, path, got, want)
	}
}

// Every kind read on moto through the real SDK, from a fleet whose pairs differ in what the
// filters judge; Get reads what List reads.
func TestReadEveryKind(t *testing.T) {
	f := mototest.NewFleet(t)
	m := f.Mixed()
	gone := f.Run(nil, false)
	if _, err := f.EC2.TerminateInstances(f.Ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{gone}}); err != nil {
		t.Fatal(err)
	}
	c := newClients()
	place := resource.Place{Region: mototest.Region}
	get := func(kind resource.Kind, id string, needs resource.Needs) *resource.Resource {
		t.Helper()
		r, err := c.Get(context.Background(), resource.Ref{Kind: kind, ID: id, Place: place}, needs)
		if err != nil {
			t.Fatalf("Get %s %s: %v", kind, id, err)
		}
		return r
	}
	same := func(listed *resource.Resource) {
		t.Helper()
		got := get(listed.Kind, listed.ID, allNeeds)
		if !reflect.DeepEqual(got, listed) {
			t.Errorf("Get %s %s differs from List:\n%#v\n%#v", listed.Kind, listed.ID, got, listed)
		}
	}

	t.Run("instance", func(t *testing.T) {
		in := listed(t, c, resource.Instance, allNeeds)
		if len(in) != 2 || in[gone] != nil {
			t.Fatalf("listed %d instances (terminated %s: %v), want the 2 live ones", len(in), gone, in[gone] != nil)
		}
		v1, v2 := in[m.IMDSv1], in[m.IMDSv2]
		expect(t, v1, "optional", "MetadataOptions", "HttpTokens")
		expect(t, v2, "required", "MetadataOptions", "HttpTokens")
		if at(t, v1.Attrs, "PublicIpAddress") == nil || at(t, v2.Attrs, "PublicIpAddress") != nil {
			t.Errorf("public IPs: %v and %v, want one and none", v1.Attrs["PublicIpAddress"], v2.Attrs["PublicIpAddress"])
		}
		expect(t, v1, m.UserData, "UserData")
		if _, ok := v2.Attrs["UserData"]; ok {
			t.Errorf("an instance without user data has UserData %q", v2.Attrs["UserData"])
		}
		expect(t, v1, true, "DisableApiStop")
		expect(t, v2, false, "DisableApiStop")
		expect(t, v1, false, "DisableApiTermination")
		if v2.State != resource.Stopped || v1.State != resource.Running {
			t.Errorf("states %s, %s", v1.State, v2.State)
		}
		if st, ok := v2.Attrs["StateTransitionTime"].(time.Time); !ok || time.Since(st) > time.Hour || time.Since(st) < -time.Hour {
			t.Errorf("StateTransitionTime of the stopped instance: %v (reason %q)", v2.Attrs["StateTransitionTime"], v2.Attrs["StateTransitionReason"])
		}
		if v1.Attrs["StateTransitionTime"] != v1.Attrs["LaunchTime"] {
			t.Errorf("a running instance entered its state at launch: %v, %v", v1.Attrs["StateTransitionTime"], v1.Attrs["LaunchTime"])
		}
		expect(t, v1, true, "Exposure", "Subnet", "RoutesToInternetGateway")
		expect(t, v1, m.PublicRoutes, "Exposure", "Subnet", "RouteTableId")
		expect(t, v2, false, "Exposure", "Subnet", "RoutesToInternetGateway")
		expect(t, v2, m.PrivateACL, "Exposure", "NetworkAcl", "NetworkAclId")
		expect(t, v1, m.OpenGroup, "Exposure", "SecurityGroups", 0, "GroupId")
		expect(t, v1, "0.0.0.0/0", "Exposure", "SecurityGroups", 0, "IpPermissions", 0, "IpRanges", 0, "CidrIp")
		expect(t, v2, m.ClosedGroup, "Exposure", "SecurityGroups", 0, "GroupId")
		if v1.Read != allNeeds {
			t.Errorf("Read = %b, want %b (what was asked: the needs an instance has nothing of count as read)", v1.Read, allNeeds)
		}
		same(v1)
		same(v2)
		plain := get(resource.Instance, m.IMDSv1, resource.NeedDescribe)
		for _, k := range []string{"UserData", "DisableApiStop", "Exposure"} {
			if _, ok := plain.Attrs[k]; ok {
				t.Errorf("%s read though not asked", k)
			}
		}
		if g := get(resource.Instance, gone, resource.NeedDescribe); !g.Exists || g.State != resource.Terminated {
			t.Errorf("a terminated instance by id: exists %v, state %s", g.Exists, g.State)
		}
	})
	t.Run("security-group", func(t *testing.T) {
		gs := listed(t, c, resource.SecurityGroup, allNeeds)
		open, closed := gs[m.OpenGroup], gs[m.ClosedGroup]
		expect(t, open, float64(22), "IpPermissions", 0, "FromPort")
		expect(t, open, "0.0.0.0/0", "IpPermissions", 0, "IpRanges", 0, "CidrIp")
		expect(t, closed, "10.0.0.0/8", "IpPermissions", 0, "IpRanges", 0, "CidrIp")
		expect(t, open, false, "IsDefault")
		expect(t, open, []any{m.ENIs[0]}, "UsedBy")
		expect(t, closed, []any{m.ENIs[1]}, "UsedBy")
		defaults := 0
		for _, g := range gs {
			if g.Attrs["IsDefault"] == true {
				defaults++
				if g.Attrs["GroupName"] != "default" {
					t.Errorf("%s is default but named %v", g.ID, g.Attrs["GroupName"])
				}
				if g.Attrs["VpcId"] == m.VPC {
					expect(t, g, []any{}, "UsedBy") // nothing uses the new VPC's default group
				}
			}
		}
		if defaults < 2 {
			t.Errorf("%d default groups, want the default VPC's and the new one's", defaults)
		}
		same(open)
	})
	t.Run("volume", func(t *testing.T) {
		vs := listed(t, c, resource.Volume, allNeeds)
		expect(t, vs[m.Encrypted], true, "Encrypted")
		expect(t, vs[m.Plain], false, "Encrypted")
		expect(t, vs[m.Plain], "available", "State")
		same(vs[m.Plain])
	})
	t.Run("snapshot", func(t *testing.T) {
		ss := listed(t, c, resource.Snapshot, resource.NeedDescribe|resource.NeedPermissions)
		pub, priv := ss[m.PublicSnapshot], ss[m.PrivateSnap]
		for _, s := range ss {
			if s.Attrs["OwnerId"] != mototest.AccountID {
				t.Errorf("listed %s of owner %v", s.ID, s.Attrs["OwnerId"])
			}
		}
		expect(t, pub, true, "Public")
		expect(t, pub, []any{map[string]any{"Group": "all"}}, "CreateVolumePermissions")
		expect(t, priv, false, "Public")
		expect(t, priv, []any{}, "CreateVolumePermissions")
		expect(t, pub, m.Plain, "VolumeId")
		// Get reads the attribute for NeedSharing alone: exact for one snapshot.
		if g := get(resource.Snapshot, m.PrivateSnap, resource.NeedSharing); g.Attrs["Public"] != false || !g.Read.Has(resource.NeedSharing|resource.NeedPermissions) {
			t.Errorf("Get of the private snapshot: Public %v, Read %b", g.Attrs["Public"], g.Read)
		}
	})
	t.Run("image", func(t *testing.T) {
		is := listed(t, c, resource.Image, allNeeds)
		if len(is) != 1 {
			t.Errorf("listed %d images, want the one the account owns", len(is))
		}
		img := is[m.Image]
		expect(t, img, true, "Public")
		expect(t, img, []any{map[string]any{"Group": "all"}}, "LaunchPermissions")
		same(img)
	})
	t.Run("address", func(t *testing.T) {
		as := listed(t, c, resource.Address, allNeeds)
		if _, ok := as[m.FreeAddress].Attrs["AssociationId"]; ok {
			t.Errorf("the free address is associated: %v", as[m.FreeAddress].Attrs)
		}
		expect(t, as[m.BoundAddress], m.IMDSv1, "InstanceId")
		same(as[m.BoundAddress])
	})
	t.Run("launch-template", func(t *testing.T) {
		lt := listed(t, c, resource.LaunchTemplate, allNeeds)[m.Template]
		expect(t, lt, "optional", "DefaultVersion", "LaunchTemplateData", "MetadataOptions", "HttpTokens")
		expect(t, lt, m.UserData, "DefaultVersion", "LaunchTemplateData", "UserData")
		expect(t, lt, float64(1), "DefaultVersion", "VersionNumber")
		expect(t, lt, "required", "LatestVersion", "LaunchTemplateData", "MetadataOptions", "HttpTokens")
		expect(t, lt, float64(2), "LatestVersion", "VersionNumber")
		same(lt)
	})
	t.Run("subnet", func(t *testing.T) {
		ss := listed(t, c, resource.Subnet, allNeeds)
		pub, priv := ss[m.PublicSubnet], ss[m.PrivateSubnet]
		expect(t, pub, true, "RoutesToInternetGateway")
		expect(t, pub, m.PublicRoutes, "RouteTableId")
		expect(t, priv, false, "RoutesToInternetGateway")
		if id, _ := priv.Attrs["RouteTableId"].(string); id == "" || id == m.PublicRoutes {
			t.Errorf("the private subnet's route table is %q, want the VPC's main one", id)
		}
		same(pub)
		same(priv)
	})
	t.Run("network-acl", func(t *testing.T) {
		acl := listed(t, c, resource.NetworkACL, allNeeds)[m.PrivateACL]
		expect(t, acl, m.VPC, "VpcId")
		expect(t, acl, m.PrivateSubnet, "Associations", 0, "SubnetId")
		same(acl)
	})
	t.Run("account", func(t *testing.T) {
		as := listed(t, c, resource.Account, allNeeds)
		a := as[mototest.AccountID]
		if len(as) != 1 || a == nil {
			t.Fatalf("account resources %v, want one of id %s", as, mototest.AccountID)
		}
		// moto 5.2 offers GetEbsEncryptionByDefault only (the other four answer 500): those
		// settings are left out, and named in Unread (TestAccountSettingsAWSShape reads them
		// as AWS sends them).
		unread := []any{"EbsDefaultKmsKeyId", "InstanceMetadataDefaults", "SnapshotBlockPublicAccessState", "ImageBlockPublicAccessState"}
		if !reflect.DeepEqual(a.Attrs, map[string]any{"EbsEncryptionByDefault": false, "Unread": unread}) {
			t.Errorf("account settings %v", a.Attrs)
		}
		if _, err := f.EC2.EnableEbsEncryptionByDefault(f.Ctx, &ec2.EnableEbsEncryptionByDefaultInput{}); err != nil {
			t.Fatal(err)
		}
		expect(t, get(resource.Account, mototest.AccountID, 0), true, "EbsEncryptionByDefault")
	})
	t.Run("unknown ids", func(t *testing.T) {
		for kind, id := range map[resource.Kind]string{
			resource.Instance: "i-0123456789abcdef0", resource.SecurityGroup: "sg-0123456789abcdef0", resource.Volume: "vol-0123456789abcdef0",
			resource.Snapshot: "snap-0123456789abcdef0", resource.Image: "ami-0123456789abcdef0", resource.Address: "eipalloc-0123456789abcdef0",
			resource.LaunchTemplate: "lt-0123456789abcdef0", resource.Subnet: "subnet-0123456789abcdef0", resource.NetworkACL: "acl-0123456789abcdef0",
		} {
			r := get(kind, id, allNeeds)
			if r.Exists || r.ID != id || r.Kind != kind {
				t.Errorf("Get %s %s = %+v, want it not to exist", kind, id, r)
			}
		}
	})
}

// moto ignores DescribeSnapshots' RestorableByUserIds: asked for the public snapshots it
// answers with every one, so a List with NeedSharing alone calls every snapshot public there
// (TestPublicSnapshotsAWSShape reads AWS's answer). This test shows what moto answers.
func TestMotoIgnoresRestorableBy(t *testing.T) {
	f := mototest.NewFleet(t)
	m := f.Mixed()
	out, err := f.EC2.DescribeSnapshots(f.Ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, RestorableByUserIds: []string{"all"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range out.Snapshots {
		ids = append(ids, aws.ToString(s.SnapshotId))
	}
	if !slices.Contains(ids, m.PrivateSnap) {
		t.Fatalf("moto now honours RestorableByUserIds (%v): drop this test and check NeedSharing on moto", ids)
	}
}

// A list's calls grow with its pages, not its resources: with pages of 5, DescribeInstances
// is called once per 5 instances; the bulk needs (exposure, usage) add one call sequence per
// place, whatever the number of instances and groups.
func TestListCallsGrowWithPages(t *testing.T) {
	f := mototest.NewFleet(t)
	proxy, err := faultproxy.Start(os.Getenv("AWS_ENDPOINT_URL"), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	t.Setenv("AWS_ENDPOINT_URL", proxy.URL)
	count := func() map[string]int {
		t.Helper()
		c := newClients()
		c.PageSize = 5
		before := len(proxy.Calls())
		n := 0
		for _, k := range []resource.Kind{resource.Instance, resource.SecurityGroup} {
			if err := c.List(context.Background(), k, resource.Place{Region: mototest.Region}, resource.NeedDescribe|resource.NeedExposure|resource.NeedUsage, func(*resource.Resource) error { n++; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		calls := map[string]int{}
		for _, c := range proxy.Calls()[before:] {
			calls[c.Operation]++
		}
		t.Logf("%d resources: %v", n, calls)
		return calls
	}
	for range 3 {
		f.Mixed() // 2 instances each
	}
	n := count() // 6 instances: 2 pages
	for range 6 {
		f.Mixed()
	}
	n3 := count() // 18 instances: 4 pages
	if n["DescribeInstances"] != 2 || n3["DescribeInstances"] != 4 {
		t.Errorf("DescribeInstances: %d calls for 6 instances, %d for 18, want 2 and 4 (pages of 5)", n["DescribeInstances"], n3["DescribeInstances"])
	}
	for _, op := range []string{"DescribeSubnets", "DescribeRouteTables", "DescribeNetworkAcls", "DescribeSecurityGroups", "DescribeNetworkInterfaces"} {
		if n[op] != n3[op] || n[op] == 0 || n[op] > 2 {
			t.Errorf("%s: %d calls for N, %d for 3N (moto answers these in one page)", op, n[op], n3[op])
		}
	}
	if n["DescribeInstanceAttribute"]+n3["DescribeInstanceAttribute"] != 0 {
		t.Errorf("a per-instance call though no need asked it")
	}
}
