package deploy

import (
	"slices"
	"testing"

	"github.com/ec2guard/ec2guard/iam/eval"
)

// A rule file over several kinds: the role may make the reads its filters need and a scan
// of its kinds lists, and no other (the actions' own reads aside); cfn-lint accepts the
// templates and iam check finds nothing in them.
const kindsRules = `rules:
  - name: open-ssh
    pattern: {source: [aws.ec2], detail: {eventName: [AuthorizeSecurityGroupIngress, ModifySecurityGroupRules]}}
    filters:
      - {ingress: {ports: [22], from: internet}}
      - {unused: false}
    actions: [{notify: {topic: "arn:aws:sns:us-east-1:123456789012:ops"}}]
  - name: public-snapshots
    pattern: {source: [aws.ec2], detail: {eventName: [ModifySnapshotAttribute]}}
    filters: [{public: true}]
    actions: [{notify: {topic: "arn:aws:sns:us-east-1:123456789012:ops"}}]
  - name: ebs-default-encryption
    pattern: {source: [aws.ec2], detail: {eventName: [DisableEbsEncryptionByDefault]}}
    filters: [{attr: EbsEncryptionByDefault, equals: false}]
    actions: [{notify: {topic: "arn:aws:sns:us-east-1:123456789012:ops"}}]
  - name: exposed-instances
    pattern: {source: [aws.guardduty], detail-type: [GuardDuty Finding]}
    filters: [{exposed: {ports: [22]}}, {tag: Env, equals: prod}]
    actions: [stop]
  - name: new-templates
    pattern: {source: [aws.ec2], detail: {eventName: [CreateLaunchTemplate]}}
    actions: [{notify: {topic: "arn:aws:sns:us-east-1:123456789012:ops"}}]
`

func TestReadsOfSeveralKinds(t *testing.T) {
	set := loadRules(t, kindsRules)
	got := readActions(set)
	want := []string{
		// the actions' own reads
		"ec2:DescribeImages", "ec2:DescribeInstanceAttribute", "ec2:DescribeInstances", "ec2:DescribeSnapshots", "ec2:DescribeTags", "ec2:DescribeVolumes",
		// security-group + NeedUsage
		"ec2:DescribeSecurityGroups", "ec2:DescribeNetworkInterfaces",
		// snapshot + NeedSharing
		"ec2:DescribeSnapshotAttribute",
		// account
		"ec2:GetEbsDefaultKmsKeyId", "ec2:GetEbsEncryptionByDefault", "ec2:GetImageBlockPublicAccessState", "ec2:GetInstanceMetadataDefaults", "ec2:GetSnapshotBlockPublicAccessState",
		// instance + NeedExposure
		"ec2:DescribeSubnets", "ec2:DescribeRouteTables", "ec2:DescribeNetworkAcls",
		// launch template, which a scan lists though no filter reads it
		"ec2:DescribeLaunchTemplates", "ec2:DescribeLaunchTemplateVersions",
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("reads %v\nwant %v", got, want)
	}
	// The seeds read instances alone: nothing beyond the actions' reads.
	seedSet, _ := seeds(t)
	if got := readActions(seedSet); slices.Contains(got, "ec2:DescribeSecurityGroups") || slices.Contains(got, "ec2:GetEbsEncryptionByDefault") {
		t.Errorf("the seeds' role reads %v", got)
	}

	ts := templatesOf(t, Options{Rules: set})
	single := ts["single.yaml"]
	dir := write(t, ts)
	if got := len(single.Resources); got == 0 {
		t.Fatal("no resources")
	}
	ev := policyOf(t, dir, "single.yaml", "FunctionRole")
	for _, a := range want {
		if got := ev.Decide(eval.Request{Action: a, Resource: "*"}); got != eval.Allowed {
			t.Errorf("%s: %s", a, got)
		}
	}
	for _, a := range []string{"ec2:DescribeAccountAttributes", "ec2:DescribeVpcs", "ec2:GetConsoleOutput", "ec2:DescribeInstanceStatus"} {
		if got := ev.Decide(eval.Request{Action: a, Resource: "*"}); got != eval.ImplicitDeny {
			t.Errorf("%s: %s, want no grant", a, got)
		}
	}
	member_ := policyOf(t, dir, "member.json", "ec2guard-remediation")
	if got := member_.Decide(eval.Request{Action: "ec2:DescribeNetworkInterfaces", Resource: "*"}); got != eval.Allowed {
		t.Errorf("the member role reads no network interfaces: %s", got)
	}
	clean(t, dir) // owners_test.go
	// One EventBridge rule per rule pattern.
	n := 0
	for _, r := range single.Resources {
		if r.Type == "AWS::Events::Rule" {
			n++
		}
	}
	if n != len(set.Rules) {
		t.Errorf("%d EventBridge rules for %d rules", n, len(set.Rules))
	}
}
