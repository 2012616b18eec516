package act

import (
	"context"
	"errors"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/resource"
)

// ebsEncryptionAPI is what enable-ebs-encryption-by-default calls.
type ebsEncryptionAPI interface {
	reader
	EnableEbsEncryptionByDefault(ctx context.Context, at resource.Place) error
}

// enableEbsEncryption turns on EBS encryption by default in the account's region, where the
// account's read says it is off.
type enableEbsEncryption struct {
	base
	api ebsEncryptionAPI
}

func (a *enableEbsEncryption) Mutating() bool        { return true }
func (a *enableEbsEncryption) Needs() resource.Needs { return resource.NeedDescribe }

func (a *enableEbsEncryption) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	r := inv.Resource
	if r.Kind != resource.Account {
		return skipped("enable-ebs-encryption-by-default acts on the account's settings, not a %s", r.Kind)
	}
	where := resource.Place{Account: r.ID, Region: r.Place.Region}.String()
	if unread(r, "EbsEncryptionByDefault") {
		return failed("reading EBS encryption by default of "+where, errors.New("AWS did not answer GetEbsEncryptionByDefault: nothing changed"))
	}
	if on, _ := r.Attrs["EbsEncryptionByDefault"].(bool); on {
		return skipped("EBS encryption by default is on already in %s", where)
	}
	if inv.DryRun {
		return dryRun("turn on EBS encryption by default in %s: off → on", where)
	}
	if err := inv.MayMutate(ctx); err != nil {
		return engine.HeldBackResult(err)
	}
	if err := a.api.EnableEbsEncryptionByDefault(ctx, r.Place); err != nil {
		return failed("turning on EBS encryption by default in "+where, err)
	}
	return applied("turned on EBS encryption by default in %s: off → on", where)
}
