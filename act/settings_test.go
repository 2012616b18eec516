package act

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
)

// settingsCase is one configuration remediation on one resource: dry run changes nothing
// (the resource's Describe output read before and after), a held-back run changes nothing,
// the run changes what want says of the resource read again, and a second run skips.
type settingsCase struct {
	name, action string
	params       map[string]any
	kind         resource.Kind
	id           string
	reason       string                            // in the applied record
	want         func(r *resource.Resource) string // "" when fixed, else what is wrong
}

func runSettingsCase(t *testing.T, c *awsapi.Clients, tc settingsCase) {
	t.Helper()
	ctx := context.Background()
	a := build(t, tc.action, tc.params)
	needs := resource.NeedDescribe | a.(engine.Reading).Needs()
	read := func() *resource.Resource {
		t.Helper()
		r, err := c.Get(ctx, resource.Ref{Kind: tc.kind, ID: tc.id, Place: resource.Place{Region: mototest.Region}}, needs)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	before := read()
	if tc.want(before) == "" {
		t.Fatalf("%s: fixed before the action: %v", tc.name, before.Attrs)
	}
	invOf := func(dry bool) engine.Invocation {
		return engine.Invocation{Rule: "r", Resource: read(), DryRun: dry}
	}
	res := a.Do(ctx, invOf(true))
	if res.Outcome != engine.DryRun || !strings.HasPrefix(res.Reason, "would ") {
		t.Errorf("%s: dry run: %+v", tc.name, res)
	}
	if after := read(); !reflect.DeepEqual(after.Attrs, before.Attrs) {
		t.Errorf("%s: dry run changed the resource:\n%v\n%v", tc.name, before.Attrs, after.Attrs)
	}
	held := invOf(false)
	held.BeforeMutating = func(context.Context) error { return &engine.HeldBack{Reason: "loop budget spent"} }
	if res := a.Do(ctx, held); res.Outcome != engine.Suppressed || !reflect.DeepEqual(read().Attrs, before.Attrs) {
		t.Errorf("%s: held back: %+v", tc.name, res)
	}
	mayMutate := 0
	run := invOf(false)
	run.BeforeMutating = func(context.Context) error { mayMutate++; return nil }
	res = a.Do(ctx, run)
	if res.Outcome != engine.Applied || !strings.Contains(res.Reason, tc.reason) || mayMutate != 1 {
		t.Errorf("%s: %+v (MayMutate asked %d times), want applied with %q", tc.name, res, mayMutate, tc.reason)
	}
	t.Logf("%s: %s", tc.name, res.Reason)
	if wrong := tc.want(read()); wrong != "" {
		t.Errorf("%s: after the action: %s", tc.name, wrong)
	}
	again := invOf(false)
	again.BeforeMutating = func(context.Context) error { t.Errorf("%s: a second run mutates", tc.name); return nil }
	if res := a.Do(ctx, again); res.Outcome != engine.Skipped {
		t.Errorf("%s: a second run: %+v, want skipped", tc.name, res)
	}
}

func attr(r *resource.Resource, path ...string) any {
	var v any = r.Attrs
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

func is(what string, got, want any) string {
	if !reflect.DeepEqual(got, want) {
		return what + " is " + strings.TrimSpace(strings.ReplaceAll(reflect.ValueOf(got).String(), "\n", " ")) + ", not the one wanted"
	}
	return ""
}

// The configuration remediations on moto through the real SDK; the account settings moto
// lacks on mototest's stand-in of AWS's answers.
func TestSettingsActions(t *testing.T) {
	f := newFleet(t)
	m := f.Mixed()
	s := mototest.NewAccountSettings(t)
	c := awsapi.New()
	c.MaxBackoff = 1
	// the public snapshot and image are shared with an account too, which keeps its permission
	_, err := f.EC2.ModifySnapshotAttribute(f.Ctx, &ec2.ModifySnapshotAttributeInput{SnapshotId: &m.PublicSnapshot, Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission,
		OperationType: ec2types.OperationTypeAdd, UserIds: []string{"111122223333"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.EC2.ModifyImageAttribute(f.Ctx, &ec2.ModifyImageAttributeInput{ImageId: &m.Image, LaunchPermission: &ec2types.LaunchPermissionModifications{
		Add: []ec2types.LaunchPermission{{UserId: aws.String("111122223333")}}}})
	if err != nil {
		t.Fatal(err)
	}
	account := mototest.AccountID
	for _, tc := range []settingsCase{
		{name: "instance", action: "require-imdsv2", kind: resource.Instance, id: m.IMDSv1,
			reason: "required IMDSv2 on " + m.IMDSv1 + ": HttpTokens optional → required, HttpEndpoint enabled, hop limit 1 (kept)",
			want: func(r *resource.Resource) string {
				mo := attr(r, "MetadataOptions")
				return is("MetadataOptions", mo, map[string]any{"HttpTokens": "required", "HttpEndpoint": "enabled", "HttpPutResponseHopLimit": float64(1),
					"HttpProtocolIpv6": "disabled", "InstanceMetadataTags": "disabled", "State": "applied"})
			}},
		{name: "launch template", action: "require-imdsv2", params: map[string]any{"hop-limit": float64(2)}, kind: resource.LaunchTemplate, id: m.Template,
			reason: "made version 3 of " + m.Template + " its default: version 1 of " + m.Template + " with HttpTokens optional → required, hop limit (none) → 2; default version 1 → 3",
			want: func(r *resource.Resource) string {
				if w := is("the default version", attr(r, "DefaultVersionNumber"), float64(3)); w != "" {
					return w
				}
				if w := is("the default version's user data", attr(r, "DefaultVersion", "LaunchTemplateData", "UserData"), m.UserData); w != "" {
					return w
				}
				return is("its metadata options", attr(r, "DefaultVersion", "LaunchTemplateData", "MetadataOptions"), map[string]any{"HttpTokens": "required", "HttpPutResponseHopLimit": float64(2)})
			}},
		{name: "account", action: "require-imdsv2", kind: resource.Account, id: account,
			reason: "set the instance metadata defaults of account " + account + " in " + mototest.Region + ": HttpTokens (no preference) → required, hop limit kept",
			want: func(r *resource.Resource) string {
				return is("the metadata defaults", attr(r, "InstanceMetadataDefaults"), map[string]any{"HttpTokens": "required"})
			}},
		{name: "snapshot", action: "make-private", kind: resource.Snapshot, id: m.PublicSnapshot,
			reason: "removed the createVolumePermission of the group all (everyone) from " + m.PublicSnapshot + ": public → private, still shared with the 1 account",
			want: func(r *resource.Resource) string {
				return is("the permissions", attr(r, "CreateVolumePermissions"), []any{map[string]any{"UserId": "111122223333"}})
			}},
		{name: "image", action: "make-private", kind: resource.Image, id: m.Image,
			reason: "removed the launchPermission of the group all (everyone) from " + m.Image + ": public → private",
			want:   func(r *resource.Resource) string { return is("Public", attr(r, "Public"), false) }},
		{name: "EBS encryption", action: "enable-ebs-encryption-by-default", kind: resource.Account, id: account,
			reason: "turned on EBS encryption by default in account " + account + " in " + mototest.Region + ": off → on",
			want: func(r *resource.Resource) string {
				return is("EbsEncryptionByDefault", attr(r, "EbsEncryptionByDefault"), true)
			}},
		{name: "snapshots' block public access", action: "block-public-access", params: map[string]any{"for": []any{"snapshots"}}, kind: resource.Account, id: account,
			reason: "block public access in account " + account + " in " + mototest.Region + ": snapshots unblocked → block-all-sharing",
			want: func(r *resource.Resource) string {
				return is("the snapshots' state", attr(r, "SnapshotBlockPublicAccessState"), "block-all-sharing") + is("the images' state", attr(r, "ImageBlockPublicAccessState"), "unblocked")
			}},
		{name: "images' block public access", action: "block-public-access", kind: resource.Account, id: account,
			reason: "block public access in account " + account + " in " + mototest.Region + ": images unblocked → block-new-sharing",
			want: func(r *resource.Resource) string {
				return is("the images' state", attr(r, "ImageBlockPublicAccessState"), "block-new-sharing")
			}},
	} {
		runSettingsCase(t, c, tc)
	}
	if n := s.Calls("EnableSnapshotBlockPublicAccess"); n != 1 {
		t.Errorf("EnableSnapshotBlockPublicAccess called %d times after the snapshots were blocked, want once", n)
	}

	// block-new-sharing asked never weakens block-all-sharing
	weaker := build(t, "block-public-access", map[string]any{"for": []any{"snapshots"}, "state": "block-new-sharing"})
	r, err := c.Get(f.Ctx, resource.Ref{Kind: resource.Account, ID: account, Place: resource.Place{Region: mototest.Region}}, resource.NeedDescribe)
	if err != nil {
		t.Fatal(err)
	}
	if res := weaker.Do(f.Ctx, engine.Invocation{Rule: "r", Resource: r}); res.Outcome != engine.Skipped || !strings.Contains(res.Reason, "snapshots block-all-sharing") {
		t.Errorf("block-new-sharing over block-all-sharing: %+v", res)
	}
}

// Where the account's setting was not read (moto 5.2 answers GetInstanceMetadataDefaults
// and the block public access states with a 500), nothing is decided on it: the action
// fails, and changes nothing.
func TestSettingsActionsUnread(t *testing.T) {
	newFleet(t)
	c := awsapi.New()
	c.MaxBackoff = 1
	r, err := c.Get(context.Background(), resource.Ref{Kind: resource.Account, ID: mototest.AccountID, Place: resource.Place{Region: mototest.Region}}, resource.NeedDescribe)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []engine.Action{build(t, "require-imdsv2", nil), build(t, "block-public-access", nil), build(t, "block-public-access", map[string]any{"for": []any{"images"}})} {
		inv := engine.Invocation{Rule: "r", Resource: r, BeforeMutating: func(context.Context) error { t.Errorf("%s mutates a setting it could not read", a.Name()); return nil }}
		if res := a.Do(context.Background(), inv); res.Outcome != engine.Failed || !strings.Contains(res.Err.Error(), "did not answer") {
			t.Errorf("%s: %+v", a.Name(), res)
		}
	}
	// and a kind an action does not act on is skipped
	vol := &engine.Resource{Ref: resource.Ref{Kind: resource.Volume, ID: "vol-1"}, Exists: true}
	for _, name := range []string{"require-imdsv2", "make-private", "enable-ebs-encryption-by-default", "block-public-access"} {
		if res := build(t, name, nil).Do(context.Background(), engine.Invocation{Resource: vol}); res.Outcome != engine.Skipped || !strings.Contains(res.Reason, "not a volume") {
			t.Errorf("%s on a volume: %+v", name, res)
		}
	}
}
