package awsapi

import (
	"context"
	"fmt"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ec2guard/ec2guard/resource"
)

func regionName(region string) string {
	if region == "" {
		return "the configured region"
	}
	return region
}

// DefaultRegion is the region of the standard configuration (AWS_REGION, the profile...).
func (c *Clients) DefaultRegion(ctx context.Context) (string, error) {
	cfg, err := c.config(ctx)
	if err != nil {
		return "", err
	}
	if cfg.Region == "" {
		return "", fmt.Errorf("no AWS region configured: set AWS_REGION or name the regions")
	}
	return cfg.Region, nil
}

// Regions lists the regions enabled for the account (opted-in or not requiring it).
func (c *Clients) Regions(ctx context.Context) ([]string, error) {
	cl, err := c.ec2At(ctx, resource.Place{})
	if err != nil {
		return nil, err
	}
	out, err := cl.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		return nil, fmt.Errorf("listing the account's regions: %w", err)
	}
	var rs []string
	for _, r := range out.Regions {
		if name := aws.ToString(r.RegionName); name != "" && aws.ToString(r.OptInStatus) != "not-opted-in" {
			rs = append(rs, name)
		}
	}
	sort.Strings(rs)
	return rs, nil
}
