package awsapi

import (
	"context"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/resource"
)

// Elastic IP addresses, launch templates and the account's settings.

// getAddress reads an address by its allocation id (eipalloc-...) or, for one that has none,
// its public IP.
func getAddress(ctx context.Context, r *reader, id string) (*resource.Resource, error) {
	in := &ec2.DescribeAddressesInput{PublicIps: []string{id}}
	if strings.HasPrefix(id, "eipalloc-") {
		in = &ec2.DescribeAddressesInput{AllocationIds: []string{id}}
	}
	var res *resource.Resource
	err := r.eachAddress(ctx, in, func(a *resource.Resource) error { res = a; return nil })
	if err != nil && notFound(err) {
		return nil, nil
	}
	return res, err
}

// listAddresses lists the place's Elastic IPs: DescribeAddresses has no pages.
func listAddresses(ctx context.Context, r *reader, fn func(*resource.Resource) error) error {
	return r.eachAddress(ctx, &ec2.DescribeAddressesInput{}, fn)
}

func (r *reader) eachAddress(ctx context.Context, in *ec2.DescribeAddressesInput, fn func(*resource.Resource) error) error {
	out, err := r.cl.DescribeAddresses(ctx, in)
	if err != nil {
		if (in.AllocationIds != nil || in.PublicIps != nil) && notFound(err) {
			return nil
		}
		return r.failed("DescribeAddresses", err)
	}
	for _, a := range out.Addresses {
		id := aws.ToString(a.AllocationId)
		if id == "" {
			id = aws.ToString(a.PublicIp)
		}
		if err := fn(r.newResource(id, Tree(&a), a.Tags)); err != nil {
			return err
		}
	}
	return nil
}

func getLaunchTemplate(ctx context.Context, r *reader, id string) (*resource.Resource, error) {
	versions, err := r.templateVersions(ctx, id)
	if err != nil {
		return nil, err
	}
	var res *resource.Resource
	err = r.eachTemplate(ctx, []string{id}, nil, func(t ec2types.LaunchTemplate) error {
		res = r.launchTemplate(t, versions)
		return nil
	})
	return res, err
}

// listLaunchTemplates lists the place's templates and, in one more paginated call for them
// all, their default and latest versions.
func listLaunchTemplates(ctx context.Context, r *reader, fn func(*resource.Resource) error) error {
	versions, err := r.templateVersions(ctx, "")
	if err != nil {
		return err
	}
	return r.eachTemplate(ctx, nil, r.paging, func(t ec2types.LaunchTemplate) error {
		return fn(r.launchTemplate(t, versions))
	})
}

func (r *reader) eachTemplate(ctx context.Context, ids []string, pg *paging, fn func(ec2types.LaunchTemplate) error) error {
	in := &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: ids, NextToken: pg.start()}
	if ids == nil {
		in.MaxResults = r.c.pageSize(200)
	}
	return eachItem(ctx, r, "DescribeLaunchTemplates", ids != nil, pg, ec2.NewDescribeLaunchTemplatesPaginator(r.cl, in), func(o *ec2.DescribeLaunchTemplatesOutput) *string { return o.NextToken }, func(o *ec2.DescribeLaunchTemplatesOutput) []ec2types.LaunchTemplate { return o.LaunchTemplates }, fn)
}

// templateVersions are the $Default and $Latest versions of one template (id), or of every
// template of the place (""), by template id.
func (r *reader) templateVersions(ctx context.Context, id string) (map[string][]ec2types.LaunchTemplateVersion, error) {
	in := &ec2.DescribeLaunchTemplateVersionsInput{Versions: []string{"$Default", "$Latest"}, MaxResults: r.c.pageSize(200)}
	if id != "" {
		in.LaunchTemplateId = aws.String(id)
	}
	byTemplate := map[string][]ec2types.LaunchTemplateVersion{}
	err := eachItem(ctx, r, "DescribeLaunchTemplateVersions", id != "", nil, ec2.NewDescribeLaunchTemplateVersionsPaginator(r.cl, in), nil,
		func(o *ec2.DescribeLaunchTemplateVersionsOutput) []ec2types.LaunchTemplateVersion {
			return o.LaunchTemplateVersions
		},
		func(v ec2types.LaunchTemplateVersion) error {
			t := aws.ToString(v.LaunchTemplateId)
			byTemplate[t] = append(byTemplate[t], v)
			return nil
		})
	return byTemplate, err
}

// launchTemplate is a template with its DefaultVersion and LatestVersion, user data decoded.
func (r *reader) launchTemplate(t ec2types.LaunchTemplate, versions map[string][]ec2types.LaunchTemplateVersion) *resource.Resource {
	id := aws.ToString(t.LaunchTemplateId)
	res := r.newResource(id, Tree(&t), t.Tags)
	for _, v := range versions[id] {
		if aws.ToBool(v.DefaultVersion) || aws.ToInt64(v.VersionNumber) == aws.ToInt64(t.DefaultVersionNumber) {
			res.Attrs["DefaultVersion"] = r.templateVersion(v)
		}
		if aws.ToInt64(v.VersionNumber) == aws.ToInt64(t.LatestVersionNumber) {
			res.Attrs["LatestVersion"] = r.templateVersion(v)
		}
	}
	return res
}

func (r *reader) templateVersion(v ec2types.LaunchTemplateVersion) map[string]any {
	a := Tree(&v)
	if d, ok := a["LaunchTemplateData"].(map[string]any); ok {
		if s, ok := d["UserData"].(string); ok && s != "" {
			d["UserData"] = r.decoded(s, "user data of "+aws.ToString(v.LaunchTemplateId))
		}
	}
	return a
}

// getAccount reads the settings of the place's account; the id is the account's.
func getAccount(ctx context.Context, r *reader, id string) (*resource.Resource, error) {
	return r.account(ctx, id), nil
}

// listAccount is the one account resource of the place, its id the account's own.
func listAccount(ctx context.Context, r *reader, fn func(*resource.Resource) error) error {
	id, err := r.accountID(ctx)
	if err != nil {
		return err
	}
	return fn(r.account(ctx, id))
}

// accountID is the id of the place's account: ec2guard's own asks STS, once.
func (r *reader) accountID(ctx context.Context) (string, error) {
	if r.at.Account != "" {
		return r.at.Account, nil
	}
	own, err := r.c.ownAccount(ctx)
	if err != nil {
		return "", r.failed("GetCallerIdentity", err)
	}
	return own, nil
}

// account reads the account's settings in the region, one call each. A setting whose call
// fails is left out of Attrs, named in Attrs.Unread (so that a judge of it does not take it
// for absent), and the log says which call failed and why; one setting AWS does not offer in
// a region or partition (or an emulator lacks) does not hide the others. moto 5.2 answers
// four of the five calls with a 500 (retried as any 500 is): only EbsEncryptionByDefault is
// read there.
func (r *reader) account(ctx context.Context, id string) *resource.Resource {
	attrs := map[string]any{}
	set := func(call, field string, v any, err error) {
		if err != nil {
			r.c.logger().Warn("account setting not read", "setting", field, "call", call, "account", id, "place", placeName(r.at), "err", err)
			unread, _ := attrs["Unread"].([]any)
			attrs["Unread"] = append(unread, field) // a judge of the setting must not take it for absent
			return
		}
		if v != nil {
			attrs[field] = v
		}
	}
	enc, err := r.cl.GetEbsEncryptionByDefault(ctx, &ec2.GetEbsEncryptionByDefaultInput{})
	set("GetEbsEncryptionByDefault", "EbsEncryptionByDefault", field(enc, func(o *ec2.GetEbsEncryptionByDefaultOutput) any { return boolOrNil(o.EbsEncryptionByDefault) }), err)
	key, err := r.cl.GetEbsDefaultKmsKeyId(ctx, &ec2.GetEbsDefaultKmsKeyIdInput{})
	set("GetEbsDefaultKmsKeyId", "EbsDefaultKmsKeyId", field(key, func(o *ec2.GetEbsDefaultKmsKeyIdOutput) any { return stringOrNil(o.KmsKeyId) }), err)
	imds, err := r.cl.GetInstanceMetadataDefaults(ctx, &ec2.GetInstanceMetadataDefaultsInput{})
	set("GetInstanceMetadataDefaults", "InstanceMetadataDefaults", field(imds, func(o *ec2.GetInstanceMetadataDefaultsOutput) any {
		if o.AccountLevel == nil {
			return map[string]any{} // no default set: every field is the instance's own
		}
		return Tree(o.AccountLevel)
	}), err)
	snap, err := r.cl.GetSnapshotBlockPublicAccessState(ctx, &ec2.GetSnapshotBlockPublicAccessStateInput{})
	set("GetSnapshotBlockPublicAccessState", "SnapshotBlockPublicAccessState", field(snap, func(o *ec2.GetSnapshotBlockPublicAccessStateOutput) any {
		return stringOrNil(aws.String(string(o.State)))
	}), err)
	img, err := r.cl.GetImageBlockPublicAccessState(ctx, &ec2.GetImageBlockPublicAccessStateInput{})
	set("GetImageBlockPublicAccessState", "ImageBlockPublicAccessState", field(img, func(o *ec2.GetImageBlockPublicAccessStateOutput) any {
		return stringOrNil(o.ImageBlockPublicAccessState)
	}), err)
	return r.newResource(id, attrs, nil)
}

// field is f of an output, nil when the call gave none.
func field[O any](out *O, f func(*O) any) any {
	if out == nil {
		return nil
	}
	return f(out)
}

func boolOrNil(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func stringOrNil(s *string) any {
	if s == nil || *s == "" {
		return nil
	}
	return *s
}
