package awsapi

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/resource"
)

// Reading resources: Get reads one resource by id (the engine's Inventory), List every
// resource of a kind in a place, page by page (scan). Both fill the same value: Attrs is the
// kind's Describe output as Tree gives it, plus the derived fields of resource/schema.go, and
// Read says which needs were fetched.
//
// What costs calls: a list is one call sequence per kind per place. What a need adds in bulk
// is fetched once per place and joined (exposure: subnets, route tables, network ACLs and
// groups; what uses a group: DescribeNetworkInterfaces; public snapshots: DescribeSnapshots
// RestorableByUserIds=all). What AWS offers only per resource (an instance's user data and
// protection attributes, a snapshot's or image's permissions) is called per resource, and only
// when the needs ask for it.

// kindReader reads one kind. get returns nil for a resource AWS does not know.
type kindReader struct {
	get  func(ctx context.Context, r *reader, id string) (*resource.Resource, error)
	list func(ctx context.Context, r *reader, fn func(*resource.Resource) error) error
	// needs are the parts this kind can fetch beyond its Describe call; the others mean
	// nothing for it and are never fetched.
	needs resource.Needs
}

func readers() map[resource.Kind]kindReader {
	return map[resource.Kind]kindReader{
		resource.Instance:       {getInstance, listInstances, resource.NeedUserData | resource.NeedExposure | resource.NeedProtection},
		resource.SecurityGroup:  {getSecurityGroup, listSecurityGroups, resource.NeedUsage},
		resource.Volume:         {getVolume, listVolumes, 0},
		resource.Snapshot:       {getSnapshot, listSnapshots, resource.NeedSharing | resource.NeedPermissions},
		resource.Image:          {getImage, listImages, resource.NeedPermissions},
		resource.Address:        {getAddress, listAddresses, 0},
		resource.LaunchTemplate: {getLaunchTemplate, listLaunchTemplates, resource.NeedUserData},
		resource.Subnet:         {getSubnet, listSubnets, 0},
		resource.NetworkACL:     {getNetworkACL, listNetworkACLs, 0},
		resource.Account:        {getAccount, listAccount, 0},
		// Judged by no rule; read for the tags of what an instance launched with.
		resource.NetworkInterface: {getNetworkInterface, listNetworkInterfaces, 0},
	}
}

// reader is one read in one place.
type reader struct {
	c     *Clients
	cl    *ec2.Client
	at    resource.Place
	kind  resource.Kind
	needs resource.Needs // what the caller asked, less what the kind cannot fetch
	asked resource.Needs
	// paging is the kind's own listing's, under ListFrom (nil: every page). Only that call
	// takes it; the joins of a read list every page of theirs.
	paging *paging
}

func (c *Clients) reader(ctx context.Context, kind resource.Kind, at resource.Place, needs resource.Needs) (*reader, kindReader, error) {
	kr, ok := readers()[kind]
	if !ok {
		return nil, kr, fmt.Errorf("reading %s: ec2guard reads no resource of that kind", kind)
	}
	cl, err := c.ec2At(ctx, at)
	if err != nil {
		return nil, kr, err
	}
	return &reader{c: c, cl: cl, at: at, kind: kind, needs: needs & kr.needs, asked: needs}, kr, nil
}

// Get reads one resource as it is now, with what needs asks for; Exists is false when AWS
// does not know it (any more). An instance that is terminated exists, in that state.
func (c *Clients) Get(ctx context.Context, ref resource.Ref, needs resource.Needs) (*resource.Resource, error) {
	r, kr, err := c.reader(ctx, ref.Kind, ref.Place, needs)
	if err != nil {
		return nil, err
	}
	res, err := kr.get(ctx, r, ref.ID)
	if err != nil {
		return nil, err
	}
	if res == nil {
		return &resource.Resource{Ref: ref}, nil
	}
	return res, nil
}

// List calls fn with every resource of a kind in a place, page by page, each read with what
// needs asks for: instances that are not terminated, the snapshots and images the account
// owns, the account's settings as one resource. fn returning an error stops the listing
// with that error.
func (c *Clients) List(ctx context.Context, kind resource.Kind, at resource.Place, needs resource.Needs, fn func(*resource.Resource) error) error {
	r, kr, err := c.reader(ctx, kind, at, needs)
	if err != nil {
		return err
	}
	return kr.list(ctx, r, fn)
}

// ListFrom is List resumable by page: the kind's own Describe call starts at token ("": the
// first page), and after each of its pages — once fn has had every resource of it — page is
// called with the token of the next page ("" after the last); page returning false ends the
// listing there, to be resumed from that token. What a need joins in bulk (exposure, usage,
// public snapshots) is read whole for each call. A kind without pages (addresses, the
// account's settings) is one page.
func (c *Clients) ListFrom(ctx context.Context, kind resource.Kind, at resource.Place, needs resource.Needs, token string, fn func(*resource.Resource) error, page func(next string) bool) error {
	r, kr, err := c.reader(ctx, kind, at, needs)
	if err != nil {
		return err
	}
	r.paging = &paging{page: page}
	if token != "" {
		r.paging.from = aws.String(token)
	}
	if err := kr.list(ctx, r, fn); err != nil {
		return err
	}
	if r.paging.pages == 0 {
		page("")
	}
	return nil
}

// newResource is a resource of the reader's kind read by its Describe call. Its Read is what
// was asked: a need that means nothing for the kind (exposure of a volume) has nothing to
// fetch, so it is read as soon as asked, and the engine does not read the resource again.
func (r *reader) newResource(id string, attrs map[string]any, tags []ec2types.Tag) *resource.Resource {
	return &resource.Resource{
		Ref:    resource.Ref{Kind: r.kind, ID: id, Place: r.at},
		Exists: true,
		Tags:   tagMap(tags),
		Attrs:  attrs,
		Read:   resource.NeedDescribe | r.asked,
	}
}

// pageSize is the MaxResults of a list call whose largest page is max.
func (c *Clients) pageSize(max int32) *int32 {
	if c.PageSize > 0 && c.PageSize < max {
		return aws.Int32(c.PageSize)
	}
	return aws.Int32(max)
}

func (c *Clients) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}

func ec2Filter(name string, values ...string) ec2types.Filter {
	return ec2types.Filter{Name: aws.String(name), Values: values}
}

// failed words an error of a call made while reading a kind in a place.
func (r *reader) failed(call string, err error) error {
	return fmt.Errorf("reading %s in %s: %s: %w", kindPlural(r.kind), placeName(r.at), call, err)
}

func kindPlural(k resource.Kind) string {
	switch k {
	case resource.Address:
		return "addresses"
	case resource.Account:
		return "the account's settings"
	}
	return string(k) + "s"
}

func placeName(at resource.Place) string {
	if at.Account == "" {
		return regionName(at.Region)
	}
	return "account " + at.Account + " in " + regionName(at.Region)
}

// uniq appends s to list unless it is there or empty.
func uniq(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// anyList converts strings to an Attrs list.
func anyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// pager is an SDK paginator of EC2.
type pager[O any] interface {
	HasMorePages() bool
	NextPage(context.Context, ...func(*ec2.Options)) (O, error)
}

// eachItem calls fn with every item of every page, items picking them out of a page. In a
// read by id (byID) an id AWS does not know ends the read with nothing. With paging (the
// kind's own listing under ListFrom; nil for the other calls of a read), the pager started at
// its token, and after each page paging is told the next one (next picks it out of a page),
// which may stop the listing there.
func eachItem[O, T any](ctx context.Context, r *reader, call string, byID bool, pg *paging, p pager[O], next func(O) *string, items func(O) []T, fn func(T) error) error {
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			if byID && notFound(err) {
				return nil
			}
			return r.failed(call, err)
		}
		for _, it := range items(out) {
			if err := fn(it); err != nil {
				return err
			}
		}
		if pg != nil && !pg.after(next(out)) {
			return nil
		}
	}
	return nil
}

// paging is where a kind's own listing starts (a page token) and what is told after each page.
type paging struct {
	from  *string
	page  func(next string) bool
	pages int
}

// start is the token a listing with pg starts at (nil: the first page).
func (pg *paging) start() *string {
	if pg == nil {
		return nil
	}
	return pg.from
}

// after tells of a page done: next is the token of the page after it (nil or "": none).
func (pg *paging) after(next *string) bool {
	pg.pages++
	return pg.page(aws.ToString(next))
}
