package rules

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/resource"
)

func judgeOne(t *testing.T, kinds, filter string, r *resource.Resource) (bool, string) {
	t.Helper()
	f, err := loadFilter(t, kinds, filter)
	if err != nil {
		t.Fatalf("%s: %v", filter, err)
	}
	r.Read = resource.NeedDescribe | resource.NeedUserData | resource.NeedExposure | resource.NeedUsage | resource.NeedSharing
	ok := f.Match(r, time.Now())
	return ok, f.Detail(r)
}

func TestIngressFromOneFamily(t *testing.T) {
	both := group(perm("tcp", 22, 22, internet, nil), perm("udp", 3389, 3389, nil, []string{"::/0"}))
	v6only := group(perm("tcp", 22, 22, nil, []string{"::/0"}))
	tests := []struct {
		filter string
		sg     map[string]any
		want   bool
	}{
		{"{ingress: {ports: [22, 3389], from: internet-ipv4}}", both, true},
		{"{ingress: {ports: [22, 3389], from: internet-ipv6}}", both, true},
		{"{ingress: {ports: [22], from: internet-ipv6}}", both, false},
		{"{ingress: {ports: [22, 3389], from: internet-ipv4}}", v6only, false},
		{"{ingress: {ports: [22, 3389], from: internet-ipv6}}", v6only, true},
		// a narrower range is not the internet of its family
		{"{ingress: {ports: [22], from: internet-ipv4}}", group(perm("tcp", 22, 22, []string{"10.0.0.0/8"}, nil)), false},
	}
	for _, tc := range tests {
		got, _ := judgeOne(t, "[security-group]", tc.filter, &resource.Resource{Ref: resource.Ref{Kind: resource.SecurityGroup}, Attrs: tc.sg})
		if got != tc.want {
			t.Errorf("%s on %v: %v, want %v", tc.filter, tc.sg["IpPermissions"], got, tc.want)
		}
	}
}

func TestIngressExcept(t *testing.T) {
	const web = "{ingress-except: {tcp: [80, 443]}}"
	tests := []struct {
		filter string
		sg     map[string]any
		want   bool
		detail string
	}{
		{web, group(perm("tcp", 443, 443, internet, nil), perm("tcp", 80, 80, nil, []string{"::/0"})), false, ""},
		{web, group(perm("tcp", 22, 22, internet, nil)), true, "tcp 22 from 0.0.0.0/0"},
		{web, group(perm("tcp", 0, 1024, internet, nil)), true, "tcp 0-1024 from 0.0.0.0/0"},
		{web, group(perm("-1", 0, 0, nil, []string{"::/0"})), true, "every protocol and port from ::/0"},
		{web, group(perm("udp", 53, 53, internet, nil)), true, "udp 53 from 0.0.0.0/0"},
		{"{ingress-except: {tcp: [80, 443], udp: [53]}}", group(perm("udp", 53, 53, internet, nil)), false, ""},
		{"{ingress-except: {tcp: ['0-1024'], udp: []}}", group(perm("tcp", 22, 80, internet, nil)), false, ""},
		// only the internet counts; icmp is not judged
		{web, group(perm("tcp", 22, 22, []string{"10.0.0.0/8"}, nil)), false, ""},
		{web, group(perm("icmp", -1, -1, internet, nil)), false, ""},
	}
	for _, tc := range tests {
		got, detail := judgeOne(t, "[security-group]", tc.filter, &resource.Resource{Ref: resource.Ref{Kind: resource.SecurityGroup}, Attrs: tc.sg})
		if got != tc.want || got && detail != tc.detail {
			t.Errorf("%s on %v: %v %q, want %v %q", tc.filter, tc.sg["IpPermissions"], got, detail, tc.want, tc.detail)
		}
	}
	for _, bad := range []string{"{ingress-except: {sctp: [1]}}", "{ingress-except: [80]}", "{ingress-except: {tcp: [70000]}}"} {
		if _, err := loadFilter(t, "[security-group]", bad); err == nil {
			t.Errorf("%s: loaded", bad)
		}
	}
}

func TestACLIngress(t *testing.T) {
	const f = "{acl-ingress: {ports: [22, 3389]}}"
	tests := []struct {
		name string
		acl  map[string]any
		want bool
	}{
		{"allow ssh", acl(entry(100, "6", "allow", "0.0.0.0/0", 22, 22)), true},
		{"allow all", acl(entry(100, "-1", "allow", "0.0.0.0/0", 0, 0)), true},
		{"allow rdp by udp", acl(entry(100, "17", "allow", "0.0.0.0/0", 3389, 3389)), true},
		{"allow ssh from ::/0", acl(entry(100, "6", "allow", "::/0", 22, 22)), true},
		{"allow web only", acl(entry(100, "6", "allow", "0.0.0.0/0", 80, 443)), false},
		{"allow ssh from a range", acl(entry(100, "6", "allow", "198.51.100.0/24", 22, 22)), false},
		{"a lower deny first", acl(entry(90, "6", "deny", "0.0.0.0/0", 0, 65535), entry(100, "6", "allow", "0.0.0.0/0", 22, 22)), false},
		{"deny-all only", acl(), false},
	}
	for _, tc := range tests {
		got, _ := judgeOne(t, "[network-acl]", f, &resource.Resource{Ref: resource.Ref{Kind: resource.NetworkACL}, Attrs: tc.acl})
		if got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func gz(t *testing.T, s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestSecretsFilter(t *testing.T) {
	const key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8vT3LpQa" // a made-up secret access key
	tests := []struct {
		name, ud, want string
	}{
		{"none", "#!/bin/bash\nyum install -y nginx\n", ""},
		{"empty", "", ""},
		{"aws secret key", "#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7QWERTYU\nexport AWS_SECRET_ACCESS_KEY=" + key + "\n", "AWS secret access key on line 3 of the user data"},
		{"aws secret key in a config", "[default]\naws_secret_access_key = " + key + "\n", "AWS secret access key on line 2 of the user data"},
		{"a placeholder key", "export AWS_SECRET_ACCESS_KEY=XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\n", ""},
		{"private key", "cat > /root/.ssh/id_rsa <<EOF\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\nEOF\n", "private key on line 2 of the user data"},
		{"openssh key in base64", "echo LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZLS0tLS0KYjNCbGJu | base64 -d > k", "private key (base64 PEM) on line 1 of the user data"},
		{"password", "#!/bin/bash\nDB_PASSWORD=Tr0ub4dor&3x\n", "password on line 2 of the user data"},
		{"quoted password", "mysql -u root --password 'S3cr3t!pass'\n", "password on line 1 of the user data"},
		{"a password read from elsewhere", "DB_PASSWORD=$(aws ssm get-parameter --name db)\n", ""},
		{"api key", "API_KEY=9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc\n", "secret or API key on line 1 of the user data"},
		{"gzip", gz(t, "#!/bin/bash\n\nexport AWS_SECRET_ACCESS_KEY="+key+"\n"), "AWS secret access key on line 3 of the user data"},
	}
	for _, tc := range tests {
		inst := &resource.Resource{Ref: resource.Ref{Kind: resource.Instance}, Attrs: map[string]any{"UserData": tc.ud}}
		got, detail := judgeOne(t, "[instance, launch-template]", "{secrets: true}", inst)
		if got != (tc.want != "") || detail != tc.want {
			t.Errorf("%s: %v %q, want %q", tc.name, got, detail, tc.want)
		}
		if strings.Contains(detail, key) || strings.Contains(detail, "Tr0ub4dor") {
			t.Errorf("%s: the detail repeats the secret: %q", tc.name, detail)
		}
		clean, _ := judgeOne(t, "[instance]", "{secrets: false}", inst)
		if clean == got {
			t.Errorf("%s: secrets: false is %v as secrets: true", tc.name, clean)
		}
	}
	lt := &resource.Resource{Ref: resource.Ref{Kind: resource.LaunchTemplate}, Attrs: map[string]any{
		"DefaultVersion": map[string]any{"VersionNumber": float64(1), "LaunchTemplateData": map[string]any{"UserData": "echo hi"}},
		"LatestVersion":  map[string]any{"VersionNumber": float64(2), "LaunchTemplateData": map[string]any{"UserData": "x\nDB_PASSWORD=Tr0ub4dor&3x"}},
	}}
	got, detail := judgeOne(t, "[launch-template]", "{secrets: true}", lt)
	if want := "password on line 2 of the user data of version 2 (Latest)"; !got || detail != want {
		t.Errorf("launch template: %v %q, want %q", got, detail, want)
	}
}

func TestParseFilters(t *testing.T) {
	fs, err := ParseFilters("EC2.8", []byte("- {attr: MetadataOptions.HttpTokens, not-equals: required}\n- {state: [running]}\n"), []resource.Kind{resource.Instance})
	if err != nil || len(fs) != 2 {
		t.Fatalf("ParseFilters: %v %v", fs, err)
	}
	r := &resource.Resource{Ref: resource.Ref{Kind: resource.Instance}, State: resource.Running, Read: resource.NeedDescribe,
		Attrs: map[string]any{"MetadataOptions": map[string]any{"HttpTokens": "optional"}}}
	if !fs[0].Match(r, time.Now()) || !fs[1].Match(r, time.Now()) {
		t.Errorf("the filters do not hold of an IMDSv1 instance")
	}
	_, err = ParseFilters("EC2.8", []byte("- {attr: MetadataOptions.HttpToken, equals: required}\n"), []resource.Kind{resource.Instance})
	if err == nil || !strings.HasPrefix(err.Error(), "EC2.8:1:") {
		t.Errorf("an unknown field: %v", err)
	}
}
