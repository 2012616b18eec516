package awsapi

import (
	"context"
	"encoding/base64"
	"regexp"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/resource"
)

func getInstance(ctx context.Context, r *reader, id string) (*resource.Resource, error) {
	out, err := r.cl.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		if notFound(err) {
			return nil, nil
		}
		return nil, r.failed("DescribeInstances", err)
	}
	for _, rv := range out.Reservations {
		for _, in := range rv.Instances {
			if aws.ToString(in.InstanceId) != id {
				continue
			}
			var net *network
			if r.needs.Has(resource.NeedExposure) {
				if net, err = r.networkOf(ctx, in); err != nil {
					return nil, err
				}
			}
			return r.instance(ctx, in, net)
		}
	}
	return nil, nil
}

// listInstances lists the instances that are not terminated (nothing can act on those).
func listInstances(ctx context.Context, r *reader, fn func(*resource.Resource) error) error {
	var net *network
	if r.needs.Has(resource.NeedExposure) {
		var err error
		if net, err = r.placeNetwork(ctx); err != nil {
			return err
		}
	}
	live := make([]string, 0, len(resource.Live()))
	for _, s := range resource.Live() {
		live = append(live, string(s))
	}
	p := ec2.NewDescribeInstancesPaginator(r.cl, &ec2.DescribeInstancesInput{
		MaxResults: r.c.pageSize(1000),
		Filters:    []ec2types.Filter{ec2Filter("instance-state-name", live...)},
		NextToken:  r.paging.start(),
	})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return r.failed("DescribeInstances", err)
		}
		for _, rv := range out.Reservations {
			for _, in := range rv.Instances {
				if in.State != nil && in.State.Name == ec2types.InstanceStateNameTerminated {
					continue
				}
				res, err := r.instance(ctx, in, net)
				if err != nil {
					return err
				}
				if res == nil { // terminated while it was read
					continue
				}
				if err := fn(res); err != nil {
					return err
				}
			}
		}
		if r.paging != nil && !r.paging.after(out.NextToken) {
			return nil
		}
	}
	return nil
}

// instance is an instance read into a resource, with the per-instance calls its needs ask
// for; nil when the instance vanished between the calls.
func (r *reader) instance(ctx context.Context, in ec2types.Instance, net *network) (*resource.Resource, error) {
	id := aws.ToString(in.InstanceId)
	attrs := Tree(&in)
	res := r.newResource(id, attrs, in.Tags)
	if in.State != nil {
		res.State = resource.State(in.State.Name)
	}
	if t, ok := transitionTime(aws.ToString(in.StateTransitionReason)); ok {
		attrs["StateTransitionTime"] = t
	} else if in.LaunchTime != nil {
		attrs["StateTransitionTime"] = *in.LaunchTime
	}
	if r.needs.Has(resource.NeedUserData) {
		out, err := r.attribute(ctx, id, ec2types.InstanceAttributeNameUserData)
		if out == nil {
			return nil, err
		}
		if out.UserData != nil && aws.ToString(out.UserData.Value) != "" {
			attrs["UserData"] = r.decoded(aws.ToString(out.UserData.Value), "user data of "+id)
		}
	}
	if r.needs.Has(resource.NeedProtection) {
		stop, err := r.attribute(ctx, id, ec2types.InstanceAttributeNameDisableApiStop)
		if stop == nil {
			return nil, err
		}
		term, err := r.attribute(ctx, id, ec2types.InstanceAttributeNameDisableApiTermination)
		if term == nil {
			return nil, err
		}
		attrs["DisableApiStop"] = stop.DisableApiStop != nil && aws.ToBool(stop.DisableApiStop.Value)
		attrs["DisableApiTermination"] = term.DisableApiTermination != nil && aws.ToBool(term.DisableApiTermination.Value)
	}
	if net != nil {
		attrs["Exposure"] = net.exposure(in)
	}
	return res, nil
}

// attribute is one DescribeInstanceAttribute call; nil output and nil error when the
// instance is gone.
func (r *reader) attribute(ctx context.Context, id string, name ec2types.InstanceAttributeName) (*ec2.DescribeInstanceAttributeOutput, error) {
	out, err := r.cl.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: name})
	if err != nil {
		if notFound(err) {
			return nil, nil
		}
		return nil, r.failed("DescribeInstanceAttribute "+string(name)+" of "+id, err)
	}
	return out, nil
}

// decoded is base64 text decoded (user data); text that is not base64 is kept as it is, and
// said so in the log.
func (r *reader) decoded(s, what string) string {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		r.c.logger().Warn("kept as sent: not base64", "what", what, "place", placeName(r.at), "err", err)
		return s
	}
	return string(b)
}

// transitionRE finds the time in an instance's StateTransitionReason, "User initiated
// (2026-01-02 03:04:05 GMT)" (moto writes UTC).
var transitionRE = regexp.MustCompile(`\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?:GMT|UTC)\)`)

// transitionTime is when the instance entered its state, if its StateTransitionReason says.
func transitionTime(reason string) (time.Time, bool) {
	m := transitionRE.FindStringSubmatch(reason)
	if m == nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateTime, m[1])
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}
