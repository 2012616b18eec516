package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/mototest"
)

// Security Hub aggregates the findings of an Organization's member accounts into the
// administrator's bus: the event's account and region are the administrator's, the finding's
// resource lives in the member account and its own region. The resource is read and stopped
// there (through the remediation role), and its decision record and notification name that
// place — whether the finding names the resource by ARN or by bare id and AwsAccountId —
// and so does a GuardDuty finding's accountId.
func TestMemberFindingsActedOnInTheirPlace(t *testing.T) {
	w := newWorld(t)
	const member, role = "222222222222", "ec2guard-remediation"
	m := w.InAccount(member, role).InRegion("us-west-2")
	byARN, byID, duty := m.Run(nil, false), m.Run(nil, false), m.Run(nil, false)
	for _, id := range []string{byARN, byID, duty} {
		if _, err := m.EC2.ModifyInstanceMetadataOptions(m.Ctx, &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: aws.String(id), HttpTokens: ec2types.HttpTokensStateOptional}); err != nil {
			t.Fatal(err)
		}
	}
	inboxURL, inboxARN := newQueue(t, w, "managers", nil)
	if _, err := sns.NewFromConfig(w.Cfg).Subscribe(w.Ctx, &sns.SubscribeInput{TopicArn: &w.topic, Protocol: aws.String("sqs"), Endpoint: &inboxARN,
		Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	example := func(file string, change func(detail map[string]any)) string {
		return exampleEvent(t, file, func(ev map[string]any) {
			if ev["account"] != mototest.AccountID || ev["region"] != "us-east-1" {
				t.Fatalf("%s is not in the administrator's bus: %v %v", file, ev["account"], ev["region"])
			}
			ev["id"] = file + "-xxxx"
			change(ev["detail"].(map[string]any))
		})
	}
	finding := func(id string) func(map[string]any) {
		return func(d map[string]any) {
			f := d["findings"].([]any)[0].(map[string]any)
			f["AwsAccountId"], f["Region"] = member, "us-west-2"
			r := f["Resources"].([]any)[0].(map[string]any)
			r["Id"], r["Region"] = id, "us-west-2"
		}
	}
	hubARN := example("securityhub-finding.json", finding("arn:aws:ec2:us-west-2:"+member+":instance/"+byARN))
	hubID := strings.Replace(example("securityhub-finding.json", finding(byID)), "securityhub-finding.json-xxxx", "securityhub-finding.json-yyyy", 1)
	dutyEv := example("guardduty-finding.json", func(d map[string]any) {
		d["accountId"], d["region"] = member, "us-west-2"
		d["resource"].(map[string]any)["instanceDetails"].(map[string]any)["instanceId"] = duty
	})
	rulesFile := writeFile(t, t.TempDir(), "findings.yaml", `rules:
  - name: stop-imdsv1-on-findings
    pattern:
      $or:
        - {source: [aws.securityhub], detail-type: [Security Hub Findings - Imported]}
        - {source: [aws.guardduty], detail-type: [GuardDuty Finding]}
    resources: [instance]
    filters:
      - {attr: MetadataOptions.HttpTokens, equals: optional}
    actions:
      - stop
      - notify: {topic: "`+w.topic+`", subject: "{{.ResourceID}} in {{.Account}} {{.Region}}: {{.Outcome}}"}
    mode: enforce
`)
	code, out, errOut := runCLI(t, strings.Join([]string{hubARN, hubID, dutyEv}, "\n"), "handle", "-r", rulesFile, "--no-state", "--assume-role", role, "--aws-max-backoff", "20ms")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	got := map[string]engine.Decision{}
	for _, d := range decisions(t, out) {
		if d.Action == "stop" {
			got[d.Resource] = d
		}
	}
	for _, id := range []string{byARN, byID, duty} {
		if d := got[id]; d.Outcome != engine.Applied || d.Account != member || d.Region != "us-west-2" || d.Kind != "instance" {
			t.Errorf("%s: %+v", id, d)
		}
		if s := m.State(id); s != "stopping" && s != "stopped" {
			t.Errorf("%s is %s in the member account", id, s)
		}
	}
	told := map[string]bool{}
	for _, body := range drain(t, w, inboxURL) {
		_, machine, _ := strings.Cut(body, "\n\n")
		var b struct{ Account, Region, Resource string }
		if err := json.Unmarshal([]byte(machine), &b); err != nil {
			t.Fatalf("notification %q: %v", body, err)
		}
		if b.Account != member || b.Region != "us-west-2" {
			t.Errorf("notification of %s names %s %s", b.Resource, b.Account, b.Region)
		}
		told[b.Resource] = true
	}
	if len(told) != 3 {
		t.Errorf("told of %v, want the three instances", told)
	}
}
