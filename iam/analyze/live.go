package analyze

import (
	"context"

	"github.com/ec2guard/ec2guard/iam/policy"
)

// AuthorizationSource reads an account's authorization details, as `aws iam
// get-account-authorization-details` prints them (awsapi.Clients does, page by page).
type AuthorizationSource interface {
	AuthorizationDetails(ctx context.Context, pageSize int32) ([]byte, error)
}

// LoadLive reads every user, group, role and managed policy of the account and analyses them
// as a dump would be. Live findings have no file position.
func LoadLive(ctx context.Context, src AuthorizationSource) (*Inventory, error) {
	return loadLive(ctx, src, 0)
}

// loadLive reads pages of pageSize items (0: the API's default of 100).
func loadLive(ctx context.Context, src AuthorizationSource, pageSize int32) (*Inventory, error) {
	dump, err := src.AuthorizationDetails(ctx, pageSize)
	if err != nil {
		return nil, err
	}
	inv, err := loadAuthorization("", dump)
	if err != nil {
		return nil, err
	}
	for _, d := range inv.Documents {
		pin(d, policy.Location{})
	}
	return inv, nil
}
