package awsapi

import (
	"context"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/resource"
)

// Volumes, snapshots and images.

func getVolume(ctx context.Context, r *reader, id string) (*resource.Resource, error) {
	var res *resource.Resource
	err := r.eachVolume(ctx, []string{id}, nil, func(v *resource.Resource) error { res = v; return nil })
	return res, err
}

func listVolumes(ctx context.Context, r *reader, fn func(*resource.Resource) error) error {
	return r.eachVolume(ctx, nil, r.paging, fn)
}

func (r *reader) eachVolume(ctx context.Context, ids []string, pg *paging, fn func(*resource.Resource) error) error {
	in := &ec2.DescribeVolumesInput{VolumeIds: ids, NextToken: pg.start()}
	if ids == nil {
		in.MaxResults = r.c.pageSize(500)
	}
	return eachItem(ctx, r, "DescribeVolumes", ids != nil, pg, ec2.NewDescribeVolumesPaginator(r.cl, in),
		func(o *ec2.DescribeVolumesOutput) *string { return o.NextToken },
		func(o *ec2.DescribeVolumesOutput) []ec2types.Volume { return o.Volumes },
		func(v ec2types.Volume) error { return fn(r.newResource(aws.ToString(v.VolumeId), Tree(&v), v.Tags)) })
}

// getSnapshot reads a snapshot; its sharing, when asked, from DescribeSnapshotAttribute (one
// call for one snapshot, and exact).
func getSnapshot(ctx context.Context, r *reader, id string) (*resource.Resource, error) {
	var res *resource.Resource
	err := r.eachSnapshot(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{id}}, nil, func(s ec2types.Snapshot) error {
		res = r.newResource(id, Tree(&s), s.Tags)
		return nil
	})
	if err != nil || res == nil {
		return res, err
	}
	if r.needs&(resource.NeedSharing|resource.NeedPermissions) != 0 {
		if err := r.snapshotPermissions(ctx, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// listSnapshots lists the snapshots the account owns. Whether each is public takes one more
// paginated call for the place (RestorableByUserIds=all lists the public ones); the full
// permission lists take a call per snapshot, and only when NeedPermissions asks.
//
// The owner-id filter says to AWS what OwnerIds=self says; moto 5.2 honours only the filter
// (given OwnerIds alone it lists the snapshots of Amazon's images too).
func listSnapshots(ctx context.Context, r *reader, fn func(*resource.Resource) error) error {
	acct, err := r.accountID(ctx)
	if err != nil {
		return err
	}
	owned := []ec2types.Filter{ec2Filter("owner-id", acct)}
	var public map[string]bool
	if r.needs.Has(resource.NeedSharing) && !r.needs.Has(resource.NeedPermissions) {
		public = map[string]bool{}
		in := &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, RestorableByUserIds: []string{"all"}, Filters: owned, MaxResults: r.c.pageSize(1000)}
		if err := r.eachSnapshot(ctx, in, nil, func(s ec2types.Snapshot) error {
			public[aws.ToString(s.SnapshotId)] = true
			return nil
		}); err != nil {
			return err
		}
	}
	in := &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: owned, MaxResults: r.c.pageSize(1000), NextToken: r.paging.start()}
	return r.eachSnapshot(ctx, in, r.paging, func(s ec2types.Snapshot) error {
		res := r.newResource(aws.ToString(s.SnapshotId), Tree(&s), s.Tags)
		if public != nil {
			res.Attrs["Public"] = public[res.ID]
		}
		if r.needs.Has(resource.NeedPermissions) {
			if err := r.snapshotPermissions(ctx, res); err != nil {
				return err
			}
		}
		return fn(res)
	})
}

func (r *reader) eachSnapshot(ctx context.Context, in *ec2.DescribeSnapshotsInput, pg *paging, fn func(ec2types.Snapshot) error) error {
	return eachItem(ctx, r, "DescribeSnapshots", in.SnapshotIds != nil, pg, ec2.NewDescribeSnapshotsPaginator(r.cl, in), func(o *ec2.DescribeSnapshotsOutput) *string { return o.NextToken }, func(o *ec2.DescribeSnapshotsOutput) []ec2types.Snapshot { return o.Snapshots }, fn)
}

// snapshotPermissions fills CreateVolumePermissions and Public from the snapshot's attribute.
func (r *reader) snapshotPermissions(ctx context.Context, res *resource.Resource) error {
	out, err := r.cl.DescribeSnapshotAttribute(ctx, &ec2.DescribeSnapshotAttributeInput{SnapshotId: aws.String(res.ID), Attribute: ec2types.SnapshotAttributeNameCreateVolumePermission})
	if err != nil {
		return r.failed("DescribeSnapshotAttribute createVolumePermission of "+res.ID, err)
	}
	public := false
	for _, p := range out.CreateVolumePermissions {
		public = public || p.Group == ec2types.PermissionGroupAll
	}
	res.Attrs["CreateVolumePermissions"] = treeList(out.CreateVolumePermissions)
	res.Attrs["Public"] = public
	res.Read |= resource.NeedSharing | resource.NeedPermissions
	return nil
}

func getImage(ctx context.Context, r *reader, id string) (*resource.Resource, error) {
	var res *resource.Resource
	err := r.eachImage(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}}, nil, func(v *resource.Resource) error { res = v; return nil })
	return res, err
}

// listImages lists the images the account owns, deprecated and disabled ones too; DescribeImages
// carries Public, and the launch permissions take a call per image, only when NeedPermissions asks.
func listImages(ctx context.Context, r *reader, fn func(*resource.Resource) error) error {
	return r.eachImage(ctx, &ec2.DescribeImagesInput{Owners: []string{"self"}, IncludeDeprecated: aws.Bool(true), IncludeDisabled: aws.Bool(true), MaxResults: r.c.pageSize(1000), NextToken: r.paging.start()}, r.paging, fn)
}

func (r *reader) eachImage(ctx context.Context, in *ec2.DescribeImagesInput, pg *paging, fn func(*resource.Resource) error) error {
	return eachItem(ctx, r, "DescribeImages", in.ImageIds != nil, pg, ec2.NewDescribeImagesPaginator(r.cl, in),
		func(o *ec2.DescribeImagesOutput) *string { return o.NextToken },
		func(o *ec2.DescribeImagesOutput) []ec2types.Image { return o.Images },
		func(img ec2types.Image) error {
			res := r.newResource(aws.ToString(img.ImageId), Tree(&img), img.Tags)
			if r.needs.Has(resource.NeedPermissions) {
				perm, err := r.cl.DescribeImageAttribute(ctx, &ec2.DescribeImageAttributeInput{ImageId: aws.String(res.ID), Attribute: ec2types.ImageAttributeNameLaunchPermission})
				if err != nil {
					return r.failed("DescribeImageAttribute launchPermission of "+res.ID, err)
				}
				res.Attrs["LaunchPermissions"] = treeList(perm.LaunchPermissions)
			}
			return fn(res)
		})
}

// treeList is a slice of SDK values as an Attrs list: empty, not absent, when AWS sent none
// (no permissions is an answer).
func treeList(v any) []any {
	if l, ok := treeOf(reflect.ValueOf(v), 0).([]any); ok {
		return l
	}
	return []any{}
}
