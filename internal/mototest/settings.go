package mototest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
)

// AccountSettings stands in front of moto for the account settings moto 5.2 lacks (it
// answers each of these calls with a 500): the instance metadata defaults, block public
// access for snapshots and for images, and the default KMS key of EBS encryption. It keeps
// them per region, answers their Get, Modify, Enable and Disable calls with the requests and
// responses of AWS's API reference, and forwards every other request to moto.
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
