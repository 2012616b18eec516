package mototest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// AccountSettings stands in front of moto for the account settings moto 5.2 lacks (it
// answers each of these calls with a 500): the instance metadata defaults, block public
// access for snapshots and for images, and the default KMS key of EBS encryption. It keeps
// them per region, answers their Get, Modify, Enable and Disable calls with the requests and
// responses of AWS's API reference, and forwards every other request to moto. It also
// answers DescribeSnapshots RestorableByUserIds=all as AWS does, with the public snapshots
// alone (moto ignores the parameter and lists every snapshot), by asking moto each
// snapshot's createVolumePermission.
type AccountSettings struct {
	mu      sync.Mutex
	regions map[string]*Settings
	calls   map[string]int
}

// Settings are one region's values, as AWS names them ("" for not set).
type Settings struct {
	HttpTokens, HttpEndpoint, InstanceMetadataTags string // the metadata defaults' account level
	HopLimit                                       int    // 0: not set
	SnapshotBlockPublicAccess                      string // unblocked, block-new-sharing, block-all-sharing
	ImageBlockPublicAccess                         string // unblocked, block-new-sharing
}

// NewAccountSettings starts the stand-in with every region's settings as a new account has
// them (no metadata defaults, both block public accesses unblocked) and points the standard
// AWS configuration (AWS_ENDPOINT_URL) at it for the test.
func NewAccountSettings(t testing.TB) *AccountSettings {
	t.Helper()
	target, err := url.Parse(os.Getenv("AWS_ENDPOINT_URL"))
	if err != nil || target.Host == "" {
		t.Fatalf("mototest: no moto endpoint to stand in front of (AWS_ENDPOINT_URL %q)", os.Getenv("AWS_ENDPOINT_URL"))
	}
	s := &AccountSettings{regions: map[string]*Settings{}, calls: map[string]int{}}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		if form.Get("Action") == "DescribeSnapshots" && form.Get("RestorableBy.1") == "all" {
			answer, err := publicSnapshots(target, r, form)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
			io.WriteString(w, answer)
			return
		}
		if answer, ok := s.answer(regionOf(r), form); ok {
			w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+answer)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL", srv.URL)
	return s
}

// In returns a region's settings for a test to read or set.
func (s *AccountSettings) In(region string) *Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.region(region)
}

// Set changes a region's settings.
func (s *AccountSettings) Set(region string, f func(*Settings)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s.region(region))
}

// Calls is how many requests of an action (ModifyInstanceMetadataDefaults...) it answered.
func (s *AccountSettings) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

func (s *AccountSettings) region(name string) *Settings {
	st, ok := s.regions[name]
	if !ok {
		st = &Settings{SnapshotBlockPublicAccess: "unblocked", ImageBlockPublicAccess: "unblocked"}
		s.regions[name] = st
	}
	return st
}

// regionOf reads the region from the request's SigV4 credential scope.
func regionOf(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	const key = "Credential="
	i := bytes.Index([]byte(auth), []byte(key))
	if i < 0 {
		return Region
	}
	parts := bytes.Split([]byte(auth[i+len(key):]), []byte("/"))
	if len(parts) < 3 {
		return Region
	}
	return string(parts[2])
}

const ec2NS = ` xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"`

func (s *AccountSettings) answer(region string, form url.Values) (string, bool) {
	action := form.Get("Action")
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.region(region)
	reply := func(body string) (string, bool) {
		s.calls[action]++
		return "<" + action + "Response" + ec2NS + "><requestId>ec2guard-test</requestId>" + body + "</" + action + "Response>", true
	}
	switch action {
	case "GetEbsDefaultKmsKeyId":
		return reply("<kmsKeyId>alias/aws/ebs</kmsKeyId>")
	case "GetInstanceMetadataDefaults":
		var b bytes.Buffer
		b.WriteString("<accountLevel>")
		for _, f := range [][2]string{{"httpTokens", st.HttpTokens}, {"httpEndpoint", st.HttpEndpoint}, {"instanceMetadataTags", st.InstanceMetadataTags}} {
			if f[1] != "" {
				fmt.Fprintf(&b, "<%s>%s</%s>", f[0], f[1], f[0])
			}
		}
		if st.HopLimit > 0 {
			fmt.Fprintf(&b, "<httpPutResponseHopLimit>%d</httpPutResponseHopLimit>", st.HopLimit)
		}
		b.WriteString("</accountLevel>")
		return reply(b.String())
	case "ModifyInstanceMetadataDefaults":
		// no-preference clears a default; -1 clears the hop limit (AWS's API reference)
		for field, into := range map[string]*string{"HttpTokens": &st.HttpTokens, "HttpEndpoint": &st.HttpEndpoint, "InstanceMetadataTags": &st.InstanceMetadataTags} {
			if v := form.Get(field); v == "no-preference" {
				*into = ""
			} else if v != "" {
				*into = v
			}
		}
		if v := form.Get("HttpPutResponseHopLimit"); v != "" {
			n, _ := strconv.Atoi(v)
			st.HopLimit = max(n, 0)
		}
		return reply("<return>true</return>")
	case "GetSnapshotBlockPublicAccessState":
		return reply("<state>" + st.SnapshotBlockPublicAccess + "</state><managedBy>account</managedBy>")
	case "EnableSnapshotBlockPublicAccess":
		st.SnapshotBlockPublicAccess = form.Get("State")
		return reply("<state>" + st.SnapshotBlockPublicAccess + "</state>")
	case "DisableSnapshotBlockPublicAccess":
		st.SnapshotBlockPublicAccess = "unblocked"
		return reply("<state>unblocked</state>")
	case "GetImageBlockPublicAccessState":
		return reply("<imageBlockPublicAccessState>" + st.ImageBlockPublicAccess + "</imageBlockPublicAccessState><managedBy>account</managedBy>")
	case "EnableImageBlockPublicAccess":
		st.ImageBlockPublicAccess = form.Get("ImageBlockPublicAccessState")
		return reply("<imageBlockPublicAccessState>" + st.ImageBlockPublicAccess + "</imageBlockPublicAccessState>")
	case "DisableImageBlockPublicAccess":
		st.ImageBlockPublicAccess = "unblocked"
		return reply("<imageBlockPublicAccessState>unblocked</imageBlockPublicAccessState>")
	}
	return "", false
}

// publicSnapshots answers DescribeSnapshots RestorableByUserIds=all: moto's list without the
// parameter, kept to the snapshots whose createVolumePermission names the group all (the
// snapshot id and owner of each: what a caller of this form reads).
func publicSnapshots(target *url.URL, r *http.Request, form url.Values) (string, error) {
	ask := func(f url.Values, into any) error {
		req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, target.String(), strings.NewReader(f.Encode()))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", r.Header.Get("Authorization")) // moto reads the region and account from it
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			return fmt.Errorf("moto answered %s %s: %s %v", f.Get("Action"), resp.Status, b, err)
		}
		return xml.Unmarshal(b, into)
	}
	list := url.Values{}
	for k, v := range form {
		if !strings.HasPrefix(k, "RestorableBy") && k != "MaxResults" && k != "NextToken" {
			list[k] = v
		}
	}
	var snaps struct {
		Items []struct {
			ID    string `xml:"snapshotId"`
			Owner string `xml:"ownerId"`
		} `xml:"snapshotSet>item"`
	}
	if err := ask(list, &snaps); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<DescribeSnapshotsResponse" + ec2NS + "><requestId>ec2guard-test</requestId><snapshotSet>")
	for _, sn := range snaps.Items {
		var attr struct {
			Groups []string `xml:"createVolumePermission>item>group"`
		}
		f := url.Values{"Action": {"DescribeSnapshotAttribute"}, "Version": {form.Get("Version")}, "SnapshotId": {sn.ID}, "Attribute": {"createVolumePermission"}}
		if err := ask(f, &attr); err != nil {
			return "", err
		}
		if slices.Contains(attr.Groups, "all") {
			fmt.Fprintf(&b, "<item><snapshotId>%s</snapshotId><ownerId>%s</ownerId><status>completed</status></item>", sn.ID, sn.Owner)
		}
	}
	b.WriteString("</snapshotSet></DescribeSnapshotsResponse>")
	return b.String(), nil
}
