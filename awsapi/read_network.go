package awsapi

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/resource"
)

// Security groups, subnets, network ACLs, and the network an instance sits in.

func getSecurityGroup(ctx context.Context, r *reader, id string) (*resource.Resource, error) {
	groups, err := r.groups(ctx, []string{id})
	if err != nil || len(groups) == 0 {
		return nil, err
	}
	var users map[string][]string
	if r.needs.Has(resource.NeedUsage) {
		if users, err = r.groupUsers(ctx, ec2Filter("group-id", id)); err != nil {
			return nil, err
		}
	}
	return r.securityGroup(groups[0], users), nil
}

func listSecurityGroups(ctx context.Context, r *reader, fn func(*resource.Resource) error) error {
	var users map[string][]string
	if r.needs.Has(resource.NeedUsage) {
		var err error
		if users, err = r.groupUsers(ctx); err != nil {
			return err
		}
	}
	return r.eachGroup(ctx, nil, r.paging, func(g ec2types.SecurityGroup) error {
		return fn(r.securityGroup(g, users))
	})
}

// securityGroup is a group read into a resource; users, when read, are the network
// interfaces of the place by group id.
func (r *reader) securityGroup(g ec2types.SecurityGroup, users map[string][]string) *resource.Resource {
	res := r.newResource(aws.ToString(g.GroupId), groupAttrs(g), g.Tags)
	if users != nil {
		res.Attrs["UsedBy"] = anyList(users[res.ID])
	}
	return res
}

func groupAttrs(g ec2types.SecurityGroup) map[string]any {
	a := Tree(&g)
	a["IsDefault"] = aws.ToString(g.GroupName) == "default"
	return a
}

// groups are the security groups with these ids (all the place's when nil).
func (r *reader) groups(ctx context.Context, ids []string) ([]ec2types.SecurityGroup, error) {
	var out []ec2types.SecurityGroup
	err := r.eachGroup(ctx, ids, nil, func(g ec2types.SecurityGroup) error {
		out = append(out, g)
		return nil
	})
	return out, err
}

func (r *reader) eachGroup(ctx context.Context, ids []string, pg *paging, fn func(ec2types.SecurityGroup) error) error {
	in := &ec2.DescribeSecurityGroupsInput{GroupIds: ids, NextToken: pg.start()}
	if ids == nil {
		in.MaxResults = r.c.pageSize(1000)
	}
	return eachItem(ctx, r, "DescribeSecurityGroups", ids != nil, pg, ec2.NewDescribeSecurityGroupsPaginator(r.cl, in), func(o *ec2.DescribeSecurityGroupsOutput) *string { return o.NextToken }, func(o *ec2.DescribeSecurityGroupsOutput) []ec2types.SecurityGroup { return o.SecurityGroups }, fn)
}

// groupUsers maps each security group to the network interfaces that use it, sorted: one
// paginated DescribeNetworkInterfaces of the place (or of the filters).
func (r *reader) groupUsers(ctx context.Context, filters ...ec2types.Filter) (map[string][]string, error) {
	in := &ec2.DescribeNetworkInterfacesInput{Filters: filters, MaxResults: r.c.pageSize(1000)}
	users := map[string][]string{}
	err := eachItem(ctx, r, "DescribeNetworkInterfaces", false, nil, ec2.NewDescribeNetworkInterfacesPaginator(r.cl, in), nil,
		func(o *ec2.DescribeNetworkInterfacesOutput) []ec2types.NetworkInterface { return o.NetworkInterfaces },
		func(ni ec2types.NetworkInterface) error {
			for _, g := range ni.Groups {
				gid := aws.ToString(g.GroupId)
				users[gid] = uniq(users[gid], aws.ToString(ni.NetworkInterfaceId))
			}
			return nil
		})
	for _, u := range users {
		slices.Sort(u)
	}
	return users, err
}

func getSubnet(ctx context.Context, r *reader, id string) (*resource.Resource, error) {
	subnets, err := r.subnets(ctx, []string{id})
	if err != nil || len(subnets) == 0 {
		return nil, err
	}
	rt, err := r.routes(ctx, ec2Filter("vpc-id", aws.ToString(subnets[0].VpcId)))
	if err != nil {
		return nil, err
	}
	s := subnets[0]
	return r.newResource(id, rt.subnetAttrs(s), s.Tags), nil
}

func listSubnets(ctx context.Context, r *reader, fn func(*resource.Resource) error) error {
	rt, err := r.routes(ctx)
	if err != nil {
		return err
	}
	return r.eachSubnet(ctx, nil, r.paging, func(s ec2types.Subnet) error {
		return fn(r.newResource(aws.ToString(s.SubnetId), rt.subnetAttrs(s), s.Tags))
	})
}

func (r *reader) subnets(ctx context.Context, ids []string) ([]ec2types.Subnet, error) {
	var out []ec2types.Subnet
	err := r.eachSubnet(ctx, ids, nil, func(s ec2types.Subnet) error {
		out = append(out, s)
		return nil
	})
	return out, err
}

func (r *reader) eachSubnet(ctx context.Context, ids []string, pg *paging, fn func(ec2types.Subnet) error) error {
	in := &ec2.DescribeSubnetsInput{SubnetIds: ids, NextToken: pg.start()}
	if ids == nil {
		in.MaxResults = r.c.pageSize(1000)
	}
	return eachItem(ctx, r, "DescribeSubnets", ids != nil, pg, ec2.NewDescribeSubnetsPaginator(r.cl, in), func(o *ec2.DescribeSubnetsOutput) *string { return o.NextToken }, func(o *ec2.DescribeSubnetsOutput) []ec2types.Subnet { return o.Subnets }, fn)
}

// routeIndex says which route table each subnet uses: its own association, else its VPC's
// main table.
type routeIndex struct {
	bySubnet map[string]*ec2types.RouteTable
	main     map[string]*ec2types.RouteTable // by VPC id
}

func (r *reader) routes(ctx context.Context, filters ...ec2types.Filter) (*routeIndex, error) {
	ix := &routeIndex{bySubnet: map[string]*ec2types.RouteTable{}, main: map[string]*ec2types.RouteTable{}}
	err := eachItem(ctx, r, "DescribeRouteTables", false, nil, ec2.NewDescribeRouteTablesPaginator(r.cl, &ec2.DescribeRouteTablesInput{Filters: filters, MaxResults: r.c.pageSize(100)}), nil,
		func(o *ec2.DescribeRouteTablesOutput) []ec2types.RouteTable { return o.RouteTables },
		func(t ec2types.RouteTable) error {
			for _, a := range t.Associations {
				if aws.ToBool(a.Main) {
					ix.main[aws.ToString(t.VpcId)] = &t
				}
				if s := aws.ToString(a.SubnetId); s != "" {
					ix.bySubnet[s] = &t
				}
			}
			return nil
		})
	return ix, err
}

// subnetAttrs are a subnet's Attrs with its route table's derived fields.
func (ix *routeIndex) subnetAttrs(s ec2types.Subnet) map[string]any {
	a := Tree(&s)
	t := ix.bySubnet[aws.ToString(s.SubnetId)]
	if t == nil {
		t = ix.main[aws.ToString(s.VpcId)]
	}
	if t != nil {
		a["RouteTableId"] = aws.ToString(t.RouteTableId)
		a["RoutesToInternetGateway"] = routesToIGW(t)
	}
	return a
}

// routesToIGW reports whether a route of the table sends traffic to an internet gateway; a
// blackhole route (its gateway deleted) sends nothing.
func routesToIGW(t *ec2types.RouteTable) bool {
	for _, rt := range t.Routes {
		if strings.HasPrefix(aws.ToString(rt.GatewayId), "igw-") && rt.State != ec2types.RouteStateBlackhole {
			return true
		}
	}
	return false
}

func getNetworkACL(ctx context.Context, r *reader, id string) (*resource.Resource, error) {
	var res *resource.Resource
	err := r.eachACL(ctx, []string{id}, nil, nil, func(a ec2types.NetworkAcl) error {
		res = r.newResource(aws.ToString(a.NetworkAclId), Tree(&a), a.Tags)
		return nil
	})
	return res, err
}

func listNetworkACLs(ctx context.Context, r *reader, fn func(*resource.Resource) error) error {
	return r.eachACL(ctx, nil, nil, r.paging, func(a ec2types.NetworkAcl) error {
		return fn(r.newResource(aws.ToString(a.NetworkAclId), Tree(&a), a.Tags))
	})
}

func (r *reader) eachACL(ctx context.Context, ids []string, filters []ec2types.Filter, pg *paging, fn func(ec2types.NetworkAcl) error) error {
	in := &ec2.DescribeNetworkAclsInput{NetworkAclIds: ids, Filters: filters, NextToken: pg.start()}
	if ids == nil {
		in.MaxResults = r.c.pageSize(1000)
	}
	return eachItem(ctx, r, "DescribeNetworkAcls", ids != nil, pg, ec2.NewDescribeNetworkAclsPaginator(r.cl, in), func(o *ec2.DescribeNetworkAclsOutput) *string { return o.NextToken }, func(o *ec2.DescribeNetworkAclsOutput) []ec2types.NetworkAcl { return o.NetworkAcls }, fn)
}

// network is what decides whether the internet reaches an instance, indexed for joining:
// subnets (as the subnet kind, with their routes), the network ACL of each subnet and the
// security groups (as their kinds). Its trees are shared by the instances that use them.
type network struct {
	subnets map[string]map[string]any // by subnet id
	acls    map[string]map[string]any // by the id of a subnet it is associated with
	groups  map[string]map[string]any // by group id
}

// placeNetwork reads the network of every instance of the place: subnets, route tables,
// network ACLs and security groups, each listed once.
func (r *reader) placeNetwork(ctx context.Context) (*network, error) {
	return r.readNetwork(ctx, nil, nil, nil)
}

// networkOf reads the network of one instance: its subnet, the route tables of its VPC, its
// subnet's network ACL and its groups.
func (r *reader) networkOf(ctx context.Context, in ec2types.Instance) (*network, error) {
	ids := []string{}
	if s := aws.ToString(in.SubnetId); s != "" {
		ids = append(ids, s)
	}
	if len(ids) == 0 { // not in a VPC (EC2-Classic is gone; an instance still pending may lack one)
		return &network{groups: map[string]map[string]any{}}, nil
	}
	return r.readNetwork(ctx, ids, []ec2types.Filter{ec2Filter("vpc-id", aws.ToString(in.VpcId))}, instanceGroups(in))
}

func (r *reader) readNetwork(ctx context.Context, subnetIDs []string, vpc []ec2types.Filter, groupIDs []string) (*network, error) {
	n := &network{subnets: map[string]map[string]any{}, acls: map[string]map[string]any{}, groups: map[string]map[string]any{}}
	rt, err := r.routes(ctx, vpc...)
	if err != nil {
		return nil, err
	}
	if err := r.eachSubnet(ctx, subnetIDs, nil, func(s ec2types.Subnet) error {
		n.subnets[aws.ToString(s.SubnetId)] = rt.subnetAttrs(s)
		return nil
	}); err != nil {
		return nil, err
	}
	var aclFilters []ec2types.Filter
	if subnetIDs != nil {
		aclFilters = []ec2types.Filter{ec2Filter("association.subnet-id", subnetIDs...)}
	}
	if err := r.eachACL(ctx, nil, aclFilters, nil, func(a ec2types.NetworkAcl) error {
		attrs := Tree(&a)
		for _, as := range a.Associations {
			n.acls[aws.ToString(as.SubnetId)] = attrs
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if groupIDs == nil || len(groupIDs) > 0 {
		if err := r.eachGroup(ctx, groupIDs, nil, func(g ec2types.SecurityGroup) error {
			n.groups[aws.ToString(g.GroupId)] = groupAttrs(g)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// instanceGroups are the ids of the groups of every network interface of an instance.
func instanceGroups(in ec2types.Instance) []string {
	ids := []string{}
	for _, g := range in.SecurityGroups {
		ids = uniq(ids, aws.ToString(g.GroupId))
	}
	for _, ni := range in.NetworkInterfaces {
		for _, g := range ni.Groups {
			ids = uniq(ids, aws.ToString(g.GroupId))
		}
	}
	return ids
}

// exposure is an instance's Attrs.Exposure: its subnet, that subnet's network ACL and its
// groups, each left out when the place did not show it.
func (n *network) exposure(in ec2types.Instance) map[string]any {
	exp := map[string]any{}
	subnet := aws.ToString(in.SubnetId)
	if s := n.subnets[subnet]; s != nil {
		exp["Subnet"] = s
	}
	if a := n.acls[subnet]; a != nil {
		exp["NetworkAcl"] = a
	}
	groups := []any{}
	for _, id := range instanceGroups(in) {
		if g := n.groups[id]; g != nil {
			groups = append(groups, g)
		}
	}
	exp["SecurityGroups"] = groups
	return exp
}

func getNetworkInterface(ctx context.Context, r *reader, id string) (*resource.Resource, error) {
	var res *resource.Resource
	err := r.eachInterface(ctx, []string{id}, nil, func(n *resource.Resource) error { res = n; return nil })
	return res, err
}

func listNetworkInterfaces(ctx context.Context, r *reader, fn func(*resource.Resource) error) error {
	return r.eachInterface(ctx, nil, r.paging, fn)
}

func (r *reader) eachInterface(ctx context.Context, ids []string, pg *paging, fn func(*resource.Resource) error) error {
	in := &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: ids, NextToken: pg.start()}
	if ids == nil {
		in.MaxResults = r.c.pageSize(1000)
	}
	return eachItem(ctx, r, "DescribeNetworkInterfaces", ids != nil, pg, ec2.NewDescribeNetworkInterfacesPaginator(r.cl, in),
		func(o *ec2.DescribeNetworkInterfacesOutput) *string { return o.NextToken },
		func(o *ec2.DescribeNetworkInterfacesOutput) []ec2types.NetworkInterface { return o.NetworkInterfaces },
		func(ni ec2types.NetworkInterface) error {
			return fn(r.newResource(aws.ToString(ni.NetworkInterfaceId), Tree(&ni), ni.TagSet))
		})
}
