package awsapi

import (
	"context"
	"fmt"
	"strings"
)

// Acting in other accounts (an Organization's members): every EC2 call runs in the account
// of the place it is given (resource.Place.Account). For ec2guard's own account, or when no remediation role is
// set, that is the account of the standard configuration; for another account, the calls go
// through the role SetAssumeRole names there (arn:PARTITION:iam::ACCOUNT:role/NAME, session
// "ec2guard"), with credentials cached and refreshed by the SDK. SNS and the state table are
// always ec2guard's own.

// SetAssumeRole names the role ec2guard assumes in other accounts (the member template's
// RemediationRoleName); "" acts with its own credentials only.
func (c *Clients) SetAssumeRole(name string) {
	c.mu.Lock()
	c.role = name
	c.mu.Unlock()
}

// roleFor is the role to act through in account, if any ("": ec2guard's own credentials).
func (c *Clients) roleFor(account string) string {
	if account == "" {
		return ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.role
}

// ownAccount is the account ec2guard's own credentials belong to (asked of STS once).
func (c *Clients) ownAccount(ctx context.Context) (string, error) {
	arn, err := c.CallerARN(ctx)
	if err != nil {
		return "", err
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[4] == "" {
		return "", fmt.Errorf("no account in ec2guard's own ARN %q", arn)
	}
	return parts[4], nil
}

func arnPartition(arn string) string {
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}

// OwnAccount is the account of ec2guard's own credentials (STS, asked once).
func (c *Clients) OwnAccount(ctx context.Context) (string, error) { return c.ownAccount(ctx) }
