package awsapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"

	"github.com/ec2guard/ec2guard/resource"
)

// The calls of the configuration remediations: IMDSv2 on an instance, a launch template and
// the account's defaults; a snapshot's or image's public permission removed; EBS encryption
// by default; block public access for snapshots and images. Each is one change; the actions
// decide (check-before-act) whether to make it.

// MetadataOptions are an instance's metadata options as ModifyInstanceMetadataOptions sets
// them and answers; "" (0 for the hop limit) is not sent.
type MetadataOptions struct {
	HttpTokens, HttpEndpoint string
	HopLimit                 int32
	HttpProtocolIpv6         string
	InstanceMetadataTags     string
	State                    string // the answer's: pending until the instance applies them
}

// SetInstanceMetadataOptions sends the options given to an instance. AWS keeps what is not
// sent; moto 5.2 resets it to its defaults, so the caller sends every option it means to keep.
func (c *Clients) SetInstanceMetadataOptions(ctx context.Context, at resource.Place, id string, o MetadataOptions) (MetadataOptions, error) {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return MetadataOptions{}, err
	}
	in := &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: &id,
		HttpTokens:           ec2types.HttpTokensState(o.HttpTokens),
		HttpEndpoint:         ec2types.InstanceMetadataEndpointState(o.HttpEndpoint),
		HttpProtocolIpv6:     ec2types.InstanceMetadataProtocolState(o.HttpProtocolIpv6),
		InstanceMetadataTags: ec2types.InstanceMetadataTagsState(o.InstanceMetadataTags),
	}
	if o.HopLimit > 0 {
		in.HttpPutResponseHopLimit = aws.Int32(o.HopLimit)
	}
	out, err := cl.ModifyInstanceMetadataOptions(ctx, in)
	if err != nil {
		return MetadataOptions{}, fmt.Errorf("modifying the metadata options of %s: %w", id, err)
	}
	var got MetadataOptions
	if m := out.InstanceMetadataOptions; m != nil {
		got = MetadataOptions{HttpTokens: string(m.HttpTokens), HttpEndpoint: string(m.HttpEndpoint), HopLimit: aws.ToInt32(m.HttpPutResponseHopLimit),
			HttpProtocolIpv6: string(m.HttpProtocolIpv6), InstanceMetadataTags: string(m.InstanceMetadataTags), State: string(m.State)}
	}
	return got, nil
}

// RequireTemplateIMDSv2 makes a new version of a launch template from its version source —
// the same launch data, with MetadataOptions.HttpTokens required (and the hop limit, when
// hopLimit > 0) — and makes it the default version; it returns the new version's number.
//
// AWS gives the new version the source's data but what the request sets (SourceVersion);
// the request carries the source's whole data as DescribeLaunchTemplateVersions gives it, so
// the version is the same where SourceVersion is ignored (moto 5.2). The client token makes
// a retry of the call, or of the action after ModifyLaunchTemplate failed, return the version
// already made instead of another.
func (c *Clients) RequireTemplateIMDSv2(ctx context.Context, at resource.Place, id string, source int64, hopLimit int32) (int64, error) {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return 0, err
	}
	src := strconv.FormatInt(source, 10)
	vs, err := cl.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: &id, Versions: []string{src}})
	if err != nil {
		if notFound(err) || versionNotFound(err) {
			return 0, fmt.Errorf("version %s of launch template %s: %w", src, id, ErrNotFound)
		}
		return 0, fmt.Errorf("describing version %s of launch template %s: %w", src, id, err)
	}
	if len(vs.LaunchTemplateVersions) != 1 || vs.LaunchTemplateVersions[0].LaunchTemplateData == nil {
		return 0, fmt.Errorf("version %s of launch template %s: %w", src, id, ErrNotFound)
	}
	data, err := requestData(vs.LaunchTemplateVersions[0].LaunchTemplateData)
	if err != nil {
		return 0, fmt.Errorf("copying version %s of launch template %s: %w", src, id, err)
	}
	if data.MetadataOptions == nil {
		data.MetadataOptions = &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{}
	}
	data.MetadataOptions.HttpTokens = ec2types.LaunchTemplateHttpTokensStateRequired
	if hopLimit > 0 {
		data.MetadataOptions.HttpPutResponseHopLimit = aws.Int32(hopLimit)
	}
	token := fmt.Sprintf("ec2guard-imdsv2-%s-%d-%d", id, source, hopLimit)
	out, err := cl.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{
		LaunchTemplateId: &id, SourceVersion: &src, LaunchTemplateData: data, ClientToken: &token,
		VersionDescription: aws.String("ec2guard require-imdsv2: version " + src + " with HttpTokens required"),
	})
	if err != nil {
		return 0, fmt.Errorf("creating a version of launch template %s from version %s: %w", id, src, err)
	}
	if out.LaunchTemplateVersion == nil || out.LaunchTemplateVersion.VersionNumber == nil {
		return 0, fmt.Errorf("creating a version of launch template %s: AWS answered no version number", id)
	}
	n := *out.LaunchTemplateVersion.VersionNumber
	def := strconv.FormatInt(n, 10)
	if _, err := cl.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: &id, DefaultVersion: &def}); err != nil {
		return n, fmt.Errorf("making version %d of launch template %s its default (it was made, and is not the default): %w", n, id, err)
	}
	return n, nil
}

// versionNotFound is EC2's answer for a launch template version it does not have
// (InvalidLaunchTemplateId.VersionNotFound), which notFound's ".NotFound" does not end.
func versionNotFound(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && strings.HasSuffix(ae.ErrorCode(), "VersionNotFound")
}

// requestData is a version's launch data as a request carries it: the two types have the
// same fields by name (bar a few the answer alone has: MetadataOptions.State, an IPv6
// address's IsPrimaryIpv6, the Operator's Managed and HiddenByDefault), so JSON copies one
// into the other. Operator is left out: it says who manages the template, not what it launches.
func requestData(d *ec2types.ResponseLaunchTemplateData) (*ec2types.RequestLaunchTemplateData, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	var out ec2types.RequestLaunchTemplateData
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	out.Operator = nil
	return &out, nil
}

// SetInstanceMetadataDefaults makes the region's instance metadata defaults require tokens
// (and the hop limit, when hopLimit > 0), leaving the other defaults as they are.
func (c *Clients) SetInstanceMetadataDefaults(ctx context.Context, at resource.Place, hopLimit int32) error {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return err
	}
	in := &ec2.ModifyInstanceMetadataDefaultsInput{HttpTokens: ec2types.MetadataDefaultHttpTokensStateRequired}
	if hopLimit > 0 {
		in.HttpPutResponseHopLimit = aws.Int32(hopLimit)
	}
	out, err := cl.ModifyInstanceMetadataDefaults(ctx, in)
	if err != nil {
		return fmt.Errorf("modifying the instance metadata defaults: %w", err)
	}
	if out.Return != nil && !*out.Return {
		return fmt.Errorf("modifying the instance metadata defaults: AWS answered false")
	}
	return nil
}

// UnshareSnapshotPublic removes a snapshot's createVolumePermission of the group all, and
// only that: the accounts it is shared with keep theirs. It is the call's older form
// (OperationType and GroupNames), which AWS documents beside CreateVolumePermission.Remove
// and moto 5.2 reads alone.
func (c *Clients) UnshareSnapshotPublic(ctx context.Context, at resource.Place, id string) error {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return err
	}
	if _, err := cl.ModifySnapshotAttribute(ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: &id,
		Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission, OperationType: ec2types.OperationTypeRemove, GroupNames: []string{"all"}}); err != nil {
		if notFound(err) {
			return fmt.Errorf("snapshot %s: %w", id, ErrNotFound)
		}
		return fmt.Errorf("removing the public createVolumePermission of %s: %w", id, err)
	}
	return nil
}

// UnshareImagePublic removes an image's launchPermission of the group all, and only that.
func (c *Clients) UnshareImagePublic(ctx context.Context, at resource.Place, id string) error {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return err
	}
	if _, err := cl.ModifyImageAttribute(ctx, &ec2.ModifyImageAttributeInput{ImageId: &id,
		LaunchPermission: &ec2types.LaunchPermissionModifications{Remove: []ec2types.LaunchPermission{{Group: ec2types.PermissionGroupAll}}}}); err != nil {
		if notFound(err) {
			return fmt.Errorf("image %s: %w", id, ErrNotFound)
		}
		return fmt.Errorf("removing the public launchPermission of %s: %w", id, err)
	}
	return nil
}

// EnableEbsEncryptionByDefault turns EBS encryption by default on in the place's region.
func (c *Clients) EnableEbsEncryptionByDefault(ctx context.Context, at resource.Place) error {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return err
	}
	out, err := cl.EnableEbsEncryptionByDefault(ctx, &ec2.EnableEbsEncryptionByDefaultInput{})
	if err != nil {
		return fmt.Errorf("enabling EBS encryption by default: %w", err)
	}
	if out.EbsEncryptionByDefault != nil && !*out.EbsEncryptionByDefault {
		return fmt.Errorf("enabling EBS encryption by default: AWS answers it is still off")
	}
	return nil
}

// EnableSnapshotBlockPublicAccess sets the region's block public access for snapshots to
// state (block-all-sharing or block-new-sharing) and returns the state AWS answers.
func (c *Clients) EnableSnapshotBlockPublicAccess(ctx context.Context, at resource.Place, state string) (string, error) {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return "", err
	}
	out, err := cl.EnableSnapshotBlockPublicAccess(ctx, &ec2.EnableSnapshotBlockPublicAccessInput{State: ec2types.SnapshotBlockPublicAccessState(state)})
	if err != nil {
		return "", fmt.Errorf("enabling block public access for snapshots (%s): %w", state, err)
	}
	return string(out.State), nil
}

// EnableImageBlockPublicAccess sets the region's block public access for AMIs to
// block-new-sharing (the only blocking state) and returns the state AWS answers.
func (c *Clients) EnableImageBlockPublicAccess(ctx context.Context, at resource.Place) (string, error) {
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return "", err
	}
	out, err := cl.EnableImageBlockPublicAccess(ctx, &ec2.EnableImageBlockPublicAccessInput{ImageBlockPublicAccessState: ec2types.ImageBlockPublicAccessEnabledStateBlockNewSharing})
	if err != nil {
		return "", fmt.Errorf("enabling block public access for images: %w", err)
	}
	return string(out.ImageBlockPublicAccessState), nil
}
