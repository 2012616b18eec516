package awsapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/resource"
)

// The security-group calls of the network remediations (revoke-ingress, restrict-ingress,
// quarantine): rules go in and out as resource.GroupRule, one peer each, so that revoking the
// open range of a permission leaves its other ranges.

// permissions groups rules (of one group and direction) into the IpPermissions AWS takes: one
// permission per rule, which names exactly its one peer.
func permissions(rules []resource.GroupRule) []ec2types.IpPermission {
	out := make([]ec2types.IpPermission, 0, len(rules))
	for _, r := range rules {
		p := ec2types.IpPermission{IpProtocol: aws.String(r.Protocol)}
		if r.HasPorts {
			p.FromPort, p.ToPort = aws.Int32(int32(r.FromPort)), aws.Int32(int32(r.ToPort))
		}
		desc := aws.String(r.Description)
		if r.Description == "" {
			desc = nil
		}
		switch {
		case r.CIDR != "" && r.IPv6():
			p.Ipv6Ranges = []ec2types.Ipv6Range{{CidrIpv6: aws.String(r.CIDR), Description: desc}}
		case r.CIDR != "":
			p.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(r.CIDR), Description: desc}}
		case r.PrefixList != "":
			p.PrefixListIds = []ec2types.PrefixListId{{PrefixListId: aws.String(r.PrefixList), Description: desc}}
		default:
			pair := ec2types.UserIdGroupPair{GroupId: aws.String(r.PeerGroup), Description: desc}
			if r.PeerUser != "" {
				pair.UserId = aws.String(r.PeerUser)
			}
			p.UserIdGroupPairs = []ec2types.UserIdGroupPair{pair}
		}
		out = append(out, p)
	}
	return out
}

// byGroup splits rules by group and direction, in their order.
func byGroup(rules []resource.GroupRule) (keys []resource.GroupRule, parts map[resource.GroupRule][]resource.GroupRule) {
	parts = map[resource.GroupRule][]resource.GroupRule{}
	for _, r := range rules {
		k := resource.GroupRule{Group: r.Group, Egress: r.Egress}
		if _, ok := parts[k]; !ok {
			keys = append(keys, k)
		}
		parts[k] = append(parts[k], r)
	}
	return keys, parts
}

// RevokeRules revokes these rules of security groups, ingress and egress each by its own
// call per group, and nothing else of the groups: a rule is one peer of a permission. A rule
// already gone (revoked since the read, by a person or by another rule's revoke of the same
// rule) is what a revoke wants: AWS answers it with UnknownIpPermissions, or refuses the whole
// call with InvalidPermission.NotFound (moto, and AWS's older behaviour), and then the rules
// are revoked one by one, the gone ones passed over.
func (c *Clients) RevokeRules(ctx context.Context, at resource.Place, rules []resource.GroupRule) error {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return err
	}
	revoke := func(k resource.GroupRule, perms []ec2types.IpPermission) ([]ec2types.IpPermission, error) {
		if k.Egress {
			out, err := cl.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(k.Group), IpPermissions: perms})
			if err != nil {
				return nil, fmt.Errorf("revoking egress rules of %s: %w", k.Group, err)
			}
			return out.UnknownIpPermissions, nil
		}
		out, err := cl.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(k.Group), IpPermissions: perms})
		if err != nil {
			return nil, fmt.Errorf("revoking ingress rules of %s: %w", k.Group, err)
		}
		return out.UnknownIpPermissions, nil
	}
	keys, parts := byGroup(rules)
	for _, k := range keys {
		perms := permissions(parts[k])
		unknown, err := revoke(k, perms)
		if err != nil && errorCode(err) == "InvalidPermission.NotFound" {
			unknown, err = nil, nil
			for _, p := range perms {
				_, e := revoke(k, []ec2types.IpPermission{p})
				switch {
				case e != nil && errorCode(e) == "InvalidPermission.NotFound":
					unknown = append(unknown, p)
				case e != nil:
					return e
				}
			}
		}
		if err != nil {
			return err
		}
		if len(unknown) > 0 {
			c.logger().Debug("revoke: rules already gone", "group", k.Group, "count", len(unknown))
		}
	}
	return nil
}

// AuthorizeIngress adds these ingress rules to their security groups (one call per group).
func (c *Clients) AuthorizeIngress(ctx context.Context, at resource.Place, rules []resource.GroupRule) error {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return err
	}
	keys, parts := byGroup(rules)
	for _, k := range keys {
		if k.Egress {
			return fmt.Errorf("authorizing rules of %s: egress rules are not authorized here", k.Group)
		}
		_, err := cl.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(k.Group), IpPermissions: permissions(parts[k])})
		if err != nil {
			return fmt.Errorf("authorizing ingress rules of %s: %w", k.Group, err)
		}
	}
	return nil
}

// Group is what the quarantine reads of a security group it may use.
type Group struct {
	ID    string
	Tags  map[string]string
	Rules []resource.GroupRule // ingress then egress
}

// FindGroup returns the security group of a VPC with this name, nil when there is none.
func (c *Clients) FindGroup(ctx context.Context, at resource.Place, vpc, name string) (*Group, error) {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return nil, err
	}
	out, err := cl.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
		Filters: []ec2types.Filter{ec2Filter("vpc-id", vpc), ec2Filter("group-name", name)},
	})
	if err != nil {
		return nil, fmt.Errorf("looking for group %s in %s: %w", name, vpc, err)
	}
	for _, g := range out.SecurityGroups {
		if aws.ToString(g.GroupName) != name || aws.ToString(g.VpcId) != vpc {
			continue // a filter AWS (or an emulator) did not apply
		}
		return &Group{ID: aws.ToString(g.GroupId), Tags: tagMap(g.Tags), Rules: resource.GroupRules(Tree(&g))}, nil
	}
	return nil, nil
}

// CreateGroup makes a security group in a VPC, tagged as it is made, and returns its id. AWS
// gives a new group one egress rule (all traffic to 0.0.0.0/0); the caller revokes what it
// does not want.
func (c *Clients) CreateGroup(ctx context.Context, at resource.Place, vpc, name, description string, tags map[string]string) (*Group, error) {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return nil, err
	}
	in := &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(description), VpcId: aws.String(vpc)}
	if len(tags) > 0 {
		in.TagSpecifications = []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroup, Tags: ec2Tags(tags)}}
	}
	out, err := cl.CreateSecurityGroup(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("creating group %s in %s: %w", name, vpc, err)
	}
	id := aws.ToString(out.GroupId)
	// Read it back for the rules AWS gave it.
	desc, err := cl.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if err != nil {
		return nil, fmt.Errorf("reading new group %s: %w", id, err)
	}
	g := &Group{ID: id, Tags: tags}
	for _, sg := range desc.SecurityGroups {
		g.Rules = resource.GroupRules(Tree(&sg))
	}
	return g, nil
}

// SetInterfaceGroups replaces the security groups of a network interface.
func (c *Clients) SetInterfaceGroups(ctx context.Context, at resource.Place, eni string, groups []string) error {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return err
	}
	_, err = cl.ModifyNetworkInterfaceAttribute(ctx, &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(eni), Groups: groups})
	if err != nil {
		return fmt.Errorf("setting the groups of %s to %s: %w", eni, strings.Join(groups, ","), err)
	}
	return nil
}
