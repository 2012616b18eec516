package awsapi_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
)

// ListFrom on moto, two to a page: a listing of instances stopped after its first page and
// resumed from the token it was told lists every instance once. moto 5 pages DescribeInstances
// (by reservation) and not DescribeVolumes, which it answers in one page with no token: the
// volumes are then one page, as a kind without pages (addresses) is.
func TestListFromResumesByPage(t *testing.T) {
	f := mototest.NewFleet(t)
	var ids []string // one reservation each: DescribeInstances pages by reservation
	for range 5 {
		ids = append(ids, f.Run(nil, false))
	}
	for range 3 {
		if _, err := f.EC2.CreateVolume(f.Ctx, &ec2.CreateVolumeInput{AvailabilityZone: aws.String(mototest.Region + "a"), Size: aws.Int32(1)}); err != nil {
			t.Fatal(err)
		}
	}
	c := newClients()
	c.PageSize = 2
	ctx := context.Background()
	at := resource.Place{Region: mototest.Region}
	for _, tc := range []struct {
		kind resource.Kind
		want int
	}{{resource.Instance, 5}} {
		var seen []string
		list := func(token string, pages int) (next string, calls int) {
			err := c.ListFrom(ctx, tc.kind, at, resource.NeedDescribe, token, func(r *resource.Resource) error {
				seen = append(seen, r.ID)
				return nil
			}, func(n string) bool {
				calls++
				next = n
				return calls < pages
			})
			if err != nil {
				t.Fatalf("%s from %q: %v", tc.kind, token, err)
			}
			return next, calls
		}
		token, calls := list("", 1)
		if token == "" || calls != 1 || len(seen) != 2 {
			t.Fatalf("%s: first page: token %q after %d pages, %d listed", tc.kind, token, calls, len(seen))
		}
		for token != "" {
			token, _ = list(token, 1)
		}
		sorted := slices.Sorted(slices.Values(seen))
		if len(seen) != tc.want || len(slices.Compact(sorted)) != tc.want {
			t.Errorf("%s: listed %v, want %d once each", tc.kind, seen, tc.want)
		}
		if tc.kind == resource.Instance && !slices.Equal(sorted, slices.Sorted(slices.Values(ids))) {
			t.Errorf("instances %v, want %v", sorted, ids)
		}
	}
	n, pages := 0, 0
	if err := c.ListFrom(ctx, resource.Volume, at, resource.NeedDescribe, "", func(*resource.Resource) error { n++; return nil },
		func(next string) bool { pages++; return next == "" }); err != nil || pages != 1 || n != 3+5 { // and a root volume each
		t.Errorf("volumes: %d in %d pages, %v", n, pages, err)
	}
	pages = 0
	if err := c.ListFrom(ctx, resource.Address, at, resource.NeedDescribe, "", func(*resource.Resource) error { return nil },
		func(n string) bool { pages++; return n == "" }); err != nil || pages != 1 {
		t.Errorf("addresses: %d pages, %v", pages, err)
	}
}

// Send puts more than a batch on a queue (SendMessageBatch, ten at a time); the
// Organization's accounts are its active members, the management account among them.
func TestSendAndOrganizationAccountsOnMoto(t *testing.T) {
	f := mototest.NewFleet(t)
	ctx := context.Background()
	q := sqs.NewFromConfig(f.Cfg)
	made, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("parts")})
	if err != nil {
		t.Fatal(err)
	}
	c := newClients()
	var bodies []string
	for i := range 23 {
		bodies = append(bodies, "part "+strconv.Itoa(i))
	}
	if err := c.Send(ctx, *made.QueueUrl, bodies); err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 10 {
		msgs, err := c.Receive(ctx, *made.QueueUrl, 10, 0, 60)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			got = append(got, m.Body)
		}
	}
	if slices.Sort(got); !slices.Equal(got, slices.Sorted(slices.Values(bodies))) {
		t.Errorf("received %v", got)
	}

	org := organizations.NewFromConfig(f.Cfg)
	if _, err := org.CreateOrganization(ctx, &organizations.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	var members []string
	for i := range 2 {
		out, err := org.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(fmt.Sprint("member", i)), Email: aws.String(fmt.Sprintf("m%d@example.com", i))})
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, aws.ToString(out.CreateAccountStatus.AccountId))
	}
	ids, err := c.OrganizationAccounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 || !slices.Contains(ids, mototest.AccountID) || !slices.Contains(ids, members[0]) || !slices.Contains(ids, members[1]) {
		t.Errorf("accounts %v, want %s and %v", ids, mototest.AccountID, members)
	}
}
