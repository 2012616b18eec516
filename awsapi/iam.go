package awsapi

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// AuthorizationDetails reads every user, group, role and managed policy of the account with
// GetAccountAuthorizationDetails, following every page (pageSize items a page; 0: the API's
// default of 100), and returns them as `aws iam get-account-authorization-details` prints
// them: the SDK's types marshal to the API's field names, which are the CLI's, and policy
// documents stay URL-encoded strings, as the API returns them.
func (c *Clients) AuthorizationDetails(ctx context.Context, pageSize int32) ([]byte, error) {
	cfg, err := c.config(ctx)
	if err != nil {
		return nil, err
	}
	in := &iam.GetAccountAuthorizationDetailsInput{}
	if pageSize > 0 {
		in.MaxItems = &pageSize
	}
	var dump struct {
		UserDetailList  []iamtypes.UserDetail
		GroupDetailList []iamtypes.GroupDetail
		RoleDetailList  []iamtypes.RoleDetail
		Policies        []iamtypes.ManagedPolicyDetail
	}
	p := iam.NewGetAccountAuthorizationDetailsPaginator(iam.NewFromConfig(cfg), in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the account's authorization details: %w", err)
		}
		dump.UserDetailList = append(dump.UserDetailList, page.UserDetailList...)
		dump.GroupDetailList = append(dump.GroupDetailList, page.GroupDetailList...)
		dump.RoleDetailList = append(dump.RoleDetailList, page.RoleDetailList...)
		dump.Policies = append(dump.Policies, page.Policies...)
	}
	b, err := json.Marshal(dump)
	if err != nil {
		return nil, fmt.Errorf("reading the account's authorization details: %w", err)
	}
	return b, nil
}
