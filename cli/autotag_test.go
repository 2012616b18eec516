package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ec2guard/ec2guard/engine"
)

// runInstances is the event of the call that launched instance, as CloudTrail records it:
// its reservation id and time are what ec2guard checks against the instance.
func (w *world) runInstances(id, instance, identity, extra string) string {
	w.t.Helper()
	out, err := w.EC2.DescribeInstances(w.Ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{instance}})
	if err != nil {
		w.t.Fatal(err)
	}
	r := out.Reservations[0]
	at := r.Instances[0].LaunchTime.UTC().Format(time.RFC3339)
	return fmt.Sprintf(`{"version":"0","id":%q,"detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","account":"123456789012","time":%q,"region":"us-east-1","resources":[],"detail":{"eventID":%q,"eventTime":%q,"eventSource":"ec2.amazonaws.com","eventName":"RunInstances","awsRegion":"us-east-1","userIdentity":%s%s,"responseElements":{"reservationId":%q,"instancesSet":{"items":[{"instanceId":%q}]}}}}`,
		id, at, id, at, identity, extra, *r.ReservationId, instance)
}

func TestAutoTagEveryIdentityType(t *testing.T) {
	tests := []struct {
		typ, identity      string
		owner, principalID string
	}{
		{"IAMUser", `{"type":"IAMUser","principalId":"AIDAJ7EQQEKFAVPO3NTQG","arn":"arn:aws:iam::123456789012:user/Bob","accountId":"123456789012","userName":"Bob"}`, "Bob", "AIDAJ7EQQEKFAVPO3NTQG"},
		{"AssumedRole", `{"type":"AssumedRole","principalId":"AROAEXAMPLE:alice","arn":"arn:aws:sts::123456789012:assumed-role/Dev/alice","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::123456789012:role/Dev","userName":"Dev"}}}`, "alice", "AROAEXAMPLE:alice"},
		{"FederatedUser", `{"type":"FederatedUser","principalId":"123456789012:carol","arn":"arn:aws:sts::123456789012:federated-user/carol"}`, "carol", "123456789012:carol"},
		{"Root", `{"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root","accountId":"123456789012"}`, "root", "123456789012"},
		{"AWSService", `{"type":"AWSService","invokedBy":"autoscaling.amazonaws.com"}`, "autoscaling.amazonaws.com", "autoscaling.amazonaws.com"},
		{"IdentityCenterUser", `{"type":"IdentityCenterUser","accountId":"123456789012","onBehalfOf":{"userId":"94482488-3041-7026-18f3-be45837cd0e4"}}`, "94482488-3041-7026-18f3-be45837cd0e4", "94482488-3041-7026-18f3-be45837cd0e4"},
		{"WebIdentityUser", `{"type":"WebIdentityUser","principalId":"accounts.google.com:12345","userName":"12345","identityProvider":"accounts.google.com"}`, "12345", "accounts.google.com:12345"},
		{"SAMLUser", `{"type":"SAMLUser","principalId":"c2FtbA==:dave","userName":"dave"}`, "dave", "c2FtbA==:dave"},
	}
	w := newWorld(t)
	seeds := filepath.Join("..", "examples", "seeds.yaml")
	for i, tt := range tests {
		t.Run(tt.typ, func(t *testing.T) {
			id := w.Run(nil, false)
			code, out, errOut := runCLI(t, w.runInstances(fmt.Sprint("ct-", i), id, tt.identity, ""), "handle", "-r", seeds, "--var", "topic="+w.topic, "--no-state")
			ds := decisions(t, out)
			if code != 0 || len(ds) != 1 || ds[0].Outcome != engine.Applied || ds[0].Rule != "auto-tag-creator" {
				t.Fatalf("exit %d %+v %s", code, ds, errOut)
			}
			if got := w.Tags(id); got["Owner"] != tt.owner || got["PrincipalId"] != tt.principalID {
				t.Fatalf("tags %v, want Owner=%s PrincipalId=%s", got, tt.owner, tt.principalID)
			}
		})
	}
	t.Run("failed call is never tagged", func(t *testing.T) {
		id := w.Run(nil, false)
		code, out, _ := runCLI(t, w.runInstances("ct-err", id, tests[0].identity, `,"errorCode":"Client.UnauthorizedOperation"`), "handle", "-r", seeds, "--var", "topic="+w.topic, "--no-state")
		ds := decisions(t, out)
		if code != 0 || len(ds) != 1 || ds[0].Outcome != engine.Skipped || len(w.Tags(id)) != 0 {
			t.Fatalf("exit %d %+v tags %v", code, ds, w.Tags(id))
		}
	})
	t.Run("a CloudTrail log file replayed", func(t *testing.T) {
		id := w.Run(nil, false)
		rec := strings.TrimSuffix(strings.SplitN(w.runInstances("x", id, tests[0].identity, ""), `"detail":`, 2)[1], "}")
		rec = strings.Replace(rec, `{"eventID":"x"`, `{"eventID":"trail-1","recipientAccountId":"123456789012"`, 1)
		code, out, errOut := runCLI(t, `{"Records":[`+rec+`]}`, "handle", "-r", seeds, "--var", "topic="+w.topic, "--no-state", "--dry-run")
		ds := decisions(t, out)
		if code != 0 || len(ds) != 1 || ds[0].Outcome != engine.DryRun || ds[0].EventID != "trail-1" {
			t.Fatalf("exit %d %+v %s", code, ds, errOut)
		}
	})
}
