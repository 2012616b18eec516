package awsapi

import (
	"context"
	"fmt"
	"strings"
)

// Acting in other accounts (an Organization's members): every EC2 call runs in the account
// the context names (InAccount). For ec2guard's own account, or when no remediation role is
// set, that is the account of the standard configuration; for another account, the calls go
// through the role SetAssumeRole names there (arn:PARTITION:iam::ACCOUNT:role/NAME, session
// "ec2guard"), with credentials cached and refreshed by the SDK. SNS and the state table are
// always ec2guard's own.

type accountKey struct{}

// InAccount returns a context whose EC2 calls act in account ("" or ec2guard's own account:
// its own credentials).
func InAccount(ctx context.Context, account string) context.Context {
	if account == "" {
		return ctx
	}
	return context.WithValue(ctx, accountKey{}, account)
}

func accountOf(ctx context.Context) string {
	a, _ := ctx.Value(accountKey{}).(string)
	return a
}

// SetAssumeRole names the role ec2guard assumes in other accounts (the member template's
// RemediationRoleName); "" acts with its own credentials only.
func (c *Clients) SetAssumeRole(name string) {
	c.mu.Lock()
	c.role = name
	c.mu.Unlock()
}

// roleFor is the role to act through for the context's account, if any.
func (c *Clients) roleFor(ctx context.Context) string {
	if accountOf(ctx) == "" {
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
