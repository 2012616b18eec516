package act

import (
	"context"
	"errors"
	"fmt"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/resource"
)

// imdsAPI is what require-imdsv2 calls.
type imdsAPI interface {
	reader
	SetInstanceMetadataOptions(ctx context.Context, at resource.Place, id string, o awsapi.MetadataOptions) (awsapi.MetadataOptions, error)
	RequireTemplateIMDSv2(ctx context.Context, at resource.Place, id string, source int64, hopLimit int32) (int64, error)
	SetInstanceMetadataDefaults(ctx context.Context, at resource.Place, hopLimit int32) error
}

// requireIMDSv2 requires session tokens of the instance metadata service: on an instance,
// on a launch template's default version (by a new version) or in the account's defaults.
// It decides on the resource as the engine read it (each kind's Describe carries its
// metadata options), or read again after an earlier change of it (rereading), and skips
// what requires tokens already, with the hop limit asked.
type requireIMDSv2 struct {
	base
	api imdsAPI
	hop int32 // 0: kept
}

func (a *requireIMDSv2) Mutating() bool        { return true }
func (a *requireIMDSv2) Needs() resource.Needs { return resource.NeedDescribe }

func (a *requireIMDSv2) Do(ctx context.Context, inv engine.Invocation) engine.Result {
	r := inv.Resource
	if !r.Exists {
		return skipped("%s %s no longer exists", r.Kind, r.ID)
	}
	switch r.Kind {
	case resource.Instance:
		return a.instance(ctx, inv)
	case resource.LaunchTemplate:
		return a.template(ctx, inv)
	case resource.Account:
		return a.account(ctx, inv)
	}
	return skipped("require-imdsv2 acts on instances, launch templates and the account, not a %s", r.Kind)
}

func (a *requireIMDSv2) instance(ctx context.Context, inv engine.Invocation) engine.Result {
	r := inv.Resource
	if r.State == resource.Terminated || r.State == resource.ShuttingDown {
		return skipped("%s is %s", r.ID, r.State)
	}
	mo := object(r.Attrs, "MetadataOptions")
	tokens := text(mo, "HttpTokens", "(none)")
	if tokens == "required" && hopMet(mo, a.hop) {
		return skipped("%s requires IMDSv2 already (HttpTokens required)", r.ID)
	}
	// Every option is sent, as read: AWS keeps what is not sent, moto resets it. A disabled
	// endpoint stays disabled: requiring tokens must not open the metadata service.
	hop, hopWords := hopLimit(mo, a.hop)
	endpoint := text(mo, "HttpEndpoint", "enabled")
	opts := awsapi.MetadataOptions{HttpTokens: "required", HttpEndpoint: endpoint, HopLimit: hop,
		HttpProtocolIpv6: text(mo, "HttpProtocolIpv6", ""), InstanceMetadataTags: text(mo, "InstanceMetadataTags", "")}
	what := fmt.Sprintf("IMDSv2 on %s: HttpTokens %s → required, HttpEndpoint %s, %s", r.ID, tokens, endpoint, hopWords)
	if inv.DryRun {
		return dryRun("require %s", what)
	}
	if err := inv.MayMutate(ctx); err != nil {
		return engine.HeldBackResult(err)
	}
	if _, err := a.api.SetInstanceMetadataOptions(ctx, r.Place, r.ID, opts); err != nil {
		return failed("requiring "+what, err)
	}
	return applied("required %s", what)
}

func (a *requireIMDSv2) template(ctx context.Context, inv engine.Invocation) engine.Result {
	r := inv.Resource
	def := object(r.Attrs, "DefaultVersion")
	version, ok := def["VersionNumber"].(float64)
	if !ok {
		return failed("reading the default version of "+r.ID, errors.New("the read has no default version: nothing changed"))
	}
	mo := object(def, "LaunchTemplateData", "MetadataOptions")
	tokens := text(mo, "HttpTokens", "(none)")
	if tokens == "required" && hopMet(mo, a.hop) {
		return skipped("%s's default version %d requires IMDSv2 already (HttpTokens required)", r.ID, int64(version))
	}
	_, hopWords := hopLimit(mo, a.hop)
	what := fmt.Sprintf("version %d of %s with HttpTokens %s → required, %s", int64(version), r.ID, tokens, hopWords)
	if inv.DryRun {
		return dryRun("make a new version of %s, the default", what)
	}
	if err := inv.MayMutate(ctx); err != nil {
		return engine.HeldBackResult(err)
	}
	n, err := a.api.RequireTemplateIMDSv2(ctx, r.Place, r.ID, int64(version), a.hop)
	if err != nil {
		return failed("making a new version of "+what, err)
	}
	return applied("made version %d of %s its default: %s; default version %d → %d", n, r.ID, what, int64(version), n)
}

func (a *requireIMDSv2) account(ctx context.Context, inv engine.Invocation) engine.Result {
	r := inv.Resource
	where := resource.Place{Account: r.ID, Region: r.Place.Region}.String()
	if unread(r, "InstanceMetadataDefaults") {
		return failed("reading the instance metadata defaults of "+where, errors.New("AWS did not answer GetInstanceMetadataDefaults: nothing changed"))
	}
	d := object(r.Attrs, "InstanceMetadataDefaults")
	tokens := text(d, "HttpTokens", "(no preference)")
	if tokens == "required" && hopMet(d, a.hop) {
		return skipped("the instance metadata defaults of %s require IMDSv2 already (HttpTokens required)", where)
	}
	_, hopWords := hopLimit(d, a.hop)
	what := fmt.Sprintf("the instance metadata defaults of %s: HttpTokens %s → required, %s", where, tokens, hopWords)
	if inv.DryRun {
		return dryRun("set %s", what)
	}
	if err := inv.MayMutate(ctx); err != nil {
		return engine.HeldBackResult(err)
	}
	if err := a.api.SetInstanceMetadataDefaults(ctx, r.Place, a.hop); err != nil {
		return failed("setting "+what, err)
	}
	return applied("set %s", what)
}
