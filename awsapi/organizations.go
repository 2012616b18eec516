package awsapi

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
)

// OrganizationAccounts are the ids of the active accounts of the Organization ec2guard's
// credentials belong to (organizations:ListAccounts, from the management account or a
// delegated administrator), sorted. Organizations is a global service: the calls go to the
// configured region's endpoint, as the SDK resolves it.
func (c *Clients) OrganizationAccounts(ctx context.Context) ([]string, error) {
	cfg, err := c.config(ctx)
	if err != nil {
		return nil, err
	}
	p := organizations.NewListAccountsPaginator(organizations.NewFromConfig(cfg), &organizations.ListAccountsInput{})
	var ids []string
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the Organization's accounts: %w", err)
		}
		for _, a := range out.Accounts {
			if a.State == orgtypes.AccountStateActive || (a.State == "" && a.Status == orgtypes.AccountStatusActive) { //nolint:staticcheck // Status is what moto sends
				ids = append(ids, aws.ToString(a.Id))
			}
		}
	}
	slices.Sort(ids)
	return ids, nil
}
