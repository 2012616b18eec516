package awsapi_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"reflect"
	"sync"
	"testing"

	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/resource"
)

// awsShaped answers the EC2 calls moto lacks or gets wrong with the response shapes of AWS's
// API reference, and forwards every other request to moto. when says, of a request's form,
// whether its canned answer applies.
type canned struct {
	when func(form url.Values) bool
	xml  string
}

// awsShaped returns how many requests of each action it saw.
func awsShaped(t *testing.T, answers map[string]canned) func(action string) int {
	t.Helper()
	var mu sync.Mutex
	seen := map[string]int{}
	target, err := url.Parse(os.Getenv("AWS_ENDPOINT_URL"))
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		mu.Lock()
		seen[form.Get("Action")]++
		mu.Unlock()
		if a, ok := answers[form.Get("Action")]; ok && (a.when == nil || a.when(form)) {
			w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+a.xml)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	return func(action string) int {
		mu.Lock()
		defer mu.Unlock()
		return seen[action]
	}
}

// The account's settings as AWS's API reference shows the answers of the four calls moto 5.2
// lacks (GetEbsEncryptionByDefault is moto's).
func TestAccountSettingsAWSShape(t *testing.T) {
	mototest.NewFleet(t)
	const ns = ` xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"`
	awsShaped(t, map[string]canned{
		"GetEbsDefaultKmsKeyId": {xml: `<GetEbsDefaultKmsKeyIdResponse` + ns + `><requestId>1</requestId><kmsKeyId>arn:aws:kms:us-east-1:123456789012:alias/aws/ebs</kmsKeyId></GetEbsDefaultKmsKeyIdResponse>`},
		"GetInstanceMetadataDefaults": {xml: `<GetInstanceMetadataDefaultsResponse` + ns + `><requestId>2</requestId><accountLevel><httpTokens>required</httpTokens>` +
			`<httpPutResponseHopLimit>2</httpPutResponseHopLimit><httpEndpoint>enabled</httpEndpoint><instanceMetadataTags>disabled</instanceMetadataTags></accountLevel></GetInstanceMetadataDefaultsResponse>`},
		"GetSnapshotBlockPublicAccessState": {xml: `<GetSnapshotBlockPublicAccessStateResponse` + ns + `><requestId>3</requestId><state>block-all-sharing</state><managedBy>account</managedBy></GetSnapshotBlockPublicAccessStateResponse>`},
		"GetImageBlockPublicAccessState":    {xml: `<GetImageBlockPublicAccessStateResponse` + ns + `><requestId>4</requestId><imageBlockPublicAccessState>unblocked</imageBlockPublicAccessState><managedBy>account</managedBy></GetImageBlockPublicAccessStateResponse>`},
	})
	r, err := newClients().Get(context.Background(), resource.Ref{Kind: resource.Account, ID: mototest.AccountID, Place: resource.Place{Region: mototest.Region}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"EbsEncryptionByDefault":         false,
		"EbsDefaultKmsKeyId":             "arn:aws:kms:us-east-1:123456789012:alias/aws/ebs",
		"InstanceMetadataDefaults":       map[string]any{"HttpTokens": "required", "HttpPutResponseHopLimit": float64(2), "HttpEndpoint": "enabled", "InstanceMetadataTags": "disabled"},
		"SnapshotBlockPublicAccessState": "block-all-sharing",
		"ImageBlockPublicAccessState":    "unblocked",
	}
	if !r.Exists || !reflect.DeepEqual(r.Attrs, want) {
		t.Fatalf("account %s (exists %v):\n%#v\nwant\n%#v", r.ID, r.Exists, r.Attrs, want)
	}
	if s := resource.Schema(resource.Account); s.Child("InstanceMetadataDefaults").Child("HttpTokens") == nil {
		t.Errorf("the schema has no InstanceMetadataDefaults.HttpTokens")
	}
}

// A list with NeedSharing (and not NeedPermissions) learns which snapshots are public from
// DescribeSnapshots RestorableByUserIds=all, answered here as AWS does (moto ignores the
// parameter: TestMotoIgnoresRestorableBy), and makes no call per snapshot.
func TestPublicSnapshotsAWSShape(t *testing.T) {
	f := mototest.NewFleet(t)
	m := f.Mixed()
	calls := awsShaped(t, map[string]canned{
		"DescribeSnapshots": {
			when: func(form url.Values) bool { return form.Get("RestorableBy.1") == "all" },
			xml: `<DescribeSnapshotsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>5</requestId><snapshotSet><item>` +
				`<snapshotId>` + m.PublicSnapshot + `</snapshotId><volumeId>` + m.Plain + `</volumeId><status>completed</status>` +
				`<ownerId>` + mototest.AccountID + `</ownerId><volumeSize>8</volumeSize><encrypted>false</encrypted></item></snapshotSet></DescribeSnapshotsResponse>`,
		},
	})
	ss := listed(t, newClients(), resource.Snapshot, resource.NeedSharing)
	expect(t, ss[m.PublicSnapshot], true, "Public")
	expect(t, ss[m.PrivateSnap], false, "Public")
	if _, ok := ss[m.PublicSnapshot].Attrs["CreateVolumePermissions"]; ok || !ss[m.PublicSnapshot].Read.Has(resource.NeedSharing) || ss[m.PublicSnapshot].Read.Has(resource.NeedPermissions) {
		t.Errorf("read %b, attrs %v", ss[m.PublicSnapshot].Read, ss[m.PublicSnapshot].Attrs)
	}
	if n, d := calls("DescribeSnapshotAttribute"), calls("DescribeSnapshots"); n != 0 || d != 2 {
		t.Errorf("%d DescribeSnapshotAttribute and %d DescribeSnapshots calls, want none and 2 (the owned, the public)", n, d)
	}
}
