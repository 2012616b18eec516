package analyze

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/ec2guard/ec2guard/iam/policy"
)

// AuthorizationReader is the one IAM call --live needs (an *iam.Client).
type AuthorizationReader interface {
	GetAccountAuthorizationDetails(ctx context.Context, in *iam.GetAccountAuthorizationDetailsInput, optFns ...func(*iam.Options)) (*iam.GetAccountAuthorizationDetailsOutput, error)
}

// NewIAMClient makes an IAM client from the standard AWS configuration (credential chain,
// AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL), with the SDK's standard retries.
func NewIAMClient(ctx context.Context) (*iam.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	return iam.NewFromConfig(cfg), nil
}

// LoadLive reads every user, group, role and managed policy of the account with
// GetAccountAuthorizationDetails (all pages) and analyses them as a dump would be. Live
// findings have no file position.
func LoadLive(ctx context.Context, client AuthorizationReader) (*Inventory, error) {
	return loadLive(ctx, client, 0)
}

// loadLive reads pages of pageSize items (0: the API's default of 100).
func loadLive(ctx context.Context, client AuthorizationReader, pageSize int32) (*Inventory, error) {
	var dump liveDump
	in := &iam.GetAccountAuthorizationDetailsInput{}
	if pageSize > 0 {
		in.MaxItems = &pageSize
	}
	p := iam.NewGetAccountAuthorizationDetailsPaginator(client, in)
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
	// The SDK's types marshal to the API's field names, which are the CLI's: one reader
	// serves dumps and the live account. Documents stay URL-encoded strings, as the API
	// returns them.
	src, err := json.Marshal(dump)
	if err != nil {
		return nil, fmt.Errorf("reading the account's authorization details: %w", err)
	}
	inv, err := loadAuthorization("", src)
	if err != nil {
		return nil, err
	}
	for _, d := range inv.Documents {
		pin(d, policy.Location{})
	}
	return inv, nil
}

type liveDump struct {
	UserDetailList  []types.UserDetail
	GroupDetailList []types.GroupDetail
	RoleDetailList  []types.RoleDetail
	Policies        []types.ManagedPolicyDetail
}
