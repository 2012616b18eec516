package analyze

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/internal/mototest"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// TestLive builds an account on moto's IAM with the SDK — a user with an inline policy and
// a group, a group with the seed 004 pattern plus unscoped tagging, a bounded role — and
// reads it back page by page through GetAccountAuthorizationDetails.
func TestLive(t *testing.T) {
	f := mototest.NewFleet(t) // a clean moto, and the SDK configuration for it
	ctx, client := f.Ctx, iam.NewFromConfig(f.Cfg)
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	managed := func(name, doc string) string {
		out, err := client.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(doc)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.Policy.Arn
	}
	owner := managed("TagBasedEC2RestrictionsPolicy", pol(
		`{"Sid":"LaunchEC2Instances","Effect":"Allow","Action":["ec2:Describe*","ec2:RunInstances"],"Resource":["*"]}`,
		`{"Sid":"AllowActionsIfYouAreTheOwner","Effect":"Allow","Action":["ec2:StopInstances","ec2:TerminateInstances"],"Resource":["*"],"Condition":{"StringEquals":{"ec2:ResourceTag/PrincipalId":"${aws:userid}"}}}`))
	tagger := managed("Tagger", pol(`{"Sid":"Tag","Effect":"Allow","Action":"ec2:CreateTags","Resource":"*"}`))
	boundary := managed("DescribeOnly", pol(`{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}`))
	admin := managed("EC2Admin", pol(`{"Sid":"All","Effect":"Allow","Action":"ec2:*","Resource":"*"}`))

	must(client.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("ec2-users")}))
	must(client.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("ec2-users"), PolicyArn: aws.String(owner)}))
	must(client.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("ec2-users"), PolicyArn: aws.String(tagger)}))
	must(client.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob")}))
	must(client.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("ec2-users"), UserName: aws.String("bob")}))
	must(client.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("protect"),
		PolicyDocument: aws.String(pol(`{"Effect":"Deny","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:*::image/*"}`))}))
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	must(client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bounded"), AssumeRolePolicyDocument: aws.String(trust), PermissionsBoundary: aws.String(boundary)}))
	must(client.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("bounded"), PolicyArn: aws.String(admin)}))
	must(client.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("admin"), AssumeRolePolicyDocument: aws.String(trust)}))
	must(client.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("admin"), PolicyArn: aws.String(admin)}))
	must(client.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("admin"), PolicyName: aws.String("no-terminate"),
		PolicyDocument: aws.String(pol(`{"Effect":"Deny","Action":"ec2:TerminateInstances","Resource":"*"}`))}))

	inv, err := loadLive(ctx, awsapi.New(), 2) // small pages: the paginator must follow every marker
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(env(t), nil, inv, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, f := range res.Findings {
		if f.Loc.File != "" {
			t.Errorf("live finding with a file: %+v", f)
		}
		if f.Principal != "" {
			p := f.Principal[strings.LastIndex(f.Principal, ":")+1:]
			got[p] = append(got[p], fmt.Sprintf("%s %s/%s", f.ID, f.Policy, f.Statement))
		}
	}
	for _, v := range got {
		sort.Strings(v)
	}
	// bob: RunInstances is denied on images (no IAM-EC2-2); stop/terminate are owner-scoped
	// (no IAM-EC2-1/7); but Tagger lets him re-tag anyone's instance (IAM-EC2-6).
	if want := "IAM-EC2-6 Tagger/Tag"; strings.Join(got["user/bob"], ",") != want {
		t.Errorf("bob: %q, want %s", got["user/bob"], want)
	}
	// bounded: the boundary leaves only Describe*.
	if len(got["role/bounded"]) != 0 {
		t.Errorf("bounded: %q", got["role/bounded"])
	}
	// admin: everything but IAM-EC2-1, which the inline Deny removes.
	want := []string{"IAM-EC2-2 EC2Admin/All", "IAM-EC2-3 EC2Admin/All", "IAM-EC2-4 EC2Admin/All", "IAM-EC2-5 EC2Admin/All", "IAM-EC2-7 EC2Admin/All", "IAM-EC2-8 EC2Admin/All"}
	if strings.Join(got["role/admin"], ",") != strings.Join(want, ",") {
		t.Errorf("admin: %q, want %q", got["role/admin"], want)
	}
	if res.Summary.Principals != 3 {
		t.Errorf("principals %d, want 3 (bob, bounded, admin)", res.Summary.Principals)
	}
}

func pol(stmts ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}
