package controls

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/pattern"
	"github.com/ec2guard/ec2guard/resource"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

const allNeeds = resource.NeedDescribe | resource.NeedUserData | resource.NeedExposure | resource.NeedUsage |
	resource.NeedSharing | resource.NeedProtection | resource.NeedPermissions

// res is a resource of the kind as a full read gives it.
func res(kind resource.Kind, attrs map[string]any) *resource.Resource {
	return &resource.Resource{Ref: resource.Ref{Kind: kind, ID: string(kind) + "-1"}, Exists: true, Attrs: attrs, Read: allNeeds}
}

func inst(state resource.State, attrs map[string]any) *resource.Resource {
	r := res(resource.Instance, attrs)
	r.State = state
	return r
}

type example struct {
	name   string
	r      *resource.Resource
	want   Status
	reason string   // a part of the reason
	sev    Severity // the verdict's severity, when it is not the control's
}

// judge evaluates each example with the control compiled with params; a table must hold a
// passing and a failing example.
func judge(t *testing.T, c *Control, params map[string]any, exs []example) {
	t.Helper()
	k, err := c.Compile(params)
	if err != nil {
		t.Fatalf("%s: %v", c.ID, err)
	}
	var seen []Status
	for _, ex := range exs {
		v := k.Evaluate(ex.r, now)
		seen = append(seen, v.Status)
		sev := ex.sev
		if sev == 0 {
			sev = c.Severity
		}
		if v.Status != ex.want || !strings.Contains(v.Reason, ex.reason) || v.Severity != sev {
			t.Errorf("%s %s: %s %s %q, want %s %s (reason with %q)", c.ID, ex.name, v.Status, v.Severity, v.Reason, ex.want, sev, ex.reason)
		}
	}
	if !slices.Contains(seen, Pass) || !slices.Contains(seen, Fail) {
		t.Errorf("%s: the table needs a passing and a failing example (has %v)", c.ID, seen)
	}
}

func TestRegistry(t *testing.T) {
	ids := map[string]bool{}
	for _, c := range All() {
		for _, id := range []string{c.ID, c.SecurityHub} {
			if id == "" {
				continue
			}
			if ids[strings.ToLower(id)] {
				t.Errorf("%s: ID %s used twice", c.ID, id)
			}
			ids[strings.ToLower(id)] = true
		}
		if !strings.HasPrefix(c.ID, "EC2G-") || c.Title == "" || c.Rationale == "" || c.Remediation == "" || len(c.References) == 0 || c.Pass == "" || len(c.Fails) == 0 {
			t.Errorf("%s: incomplete (ID, title, rationale, remediation, references, pass, fails)", c.ID)
		}
		if c.Severity < Low || c.Severity > Critical {
			t.Errorf("%s: severity %v", c.ID, c.Severity)
		}
		// A control of neither is one of AWS Config's managed rules, and says which.
		if c.SecurityHub == "" && len(c.Prowler) == 0 && !slices.ContainsFunc(c.References, func(r string) bool { return strings.HasPrefix(r, strings.TrimSuffix(configRule(""), ".html")) }) {
			t.Errorf("%s: neither a Security Hub nor a Prowler ID, nor an AWS Config rule among its references", c.ID)
		}
		if c.Scope != "" && c.OutOfScope == "" {
			t.Errorf("%s: a scope without its reason", c.ID)
		}
		if !slices.Contains(resource.Kinds(), c.Kind) {
			t.Errorf("%s: kind %q", c.ID, c.Kind)
		}
		k, err := c.Compile(nil)
		if err != nil {
			t.Errorf("%s: %v", c.ID, err)
			continue
		}
		if !k.Needs().Has(resource.NeedDescribe) {
			t.Errorf("%s: needs %v", c.ID, k.Needs())
		}
		if len(c.Events) == 0 && len(c.States) == 0 {
			t.Errorf("%s: no events", c.ID)
			continue
		}
		p, err := pattern.Parse(c.Pattern())
		if err != nil {
			t.Errorf("%s: pattern: %v", c.ID, err)
			continue
		}
		m, err := pattern.Compile([]*pattern.Pattern{p})
		if err != nil {
			t.Fatal(err)
		}
		ev, _ := json.Marshal(map[string]any{"source": "aws.ec2", "detail-type": "AWS API Call via CloudTrail",
			"detail": map[string]any{"eventSource": "ec2.amazonaws.com", "eventName": c.Events}})
		if len(c.States) > 0 {
			ev, _ = json.Marshal(map[string]any{"source": "aws.ec2", "detail-type": "EC2 Instance State-change Notification",
				"detail": map[string]any{"instance-id": "i-1", "state": c.States[0]}})
		}
		if got, err := m.Match(ev, nil); err != nil || len(got) != 1 {
			t.Errorf("%s: the pattern does not match its own event: %v %v", c.ID, got, err)
		}
	}
	for _, want := range []string{"EC2.1", "EC2.2", "EC2.3", "EC2.4", "EC2.7", "EC2.8", "EC2.9", "EC2.12", "EC2.13", "EC2.14",
		"EC2.15", "EC2.18", "EC2.19", "EC2.21", "EC2.25", "EC2.53", "EC2.54", "EC2.170", "EC2.181", "EC2.182"} {
		if _, ok := ByID(want); !ok {
			t.Errorf("no control for Security Hub %s", want)
		}
	}
	if !slices.IsSortedFunc(All(), func(a, b *Control) int { return compareIDs(a.ID, b.ID) }) {
		t.Errorf("All is not in ID order")
	}
}

func TestEvaluateGeneral(t *testing.T) {
	k := imdsInstance.MustCompile()
	v := k.Evaluate(res(resource.Volume, map[string]any{}), now)
	if v.Status != NotApplicable {
		t.Errorf("another kind: %v", v)
	}
	gone := inst(resource.Running, nil)
	gone.Exists = false
	if v := k.Evaluate(gone, now); v.Status != NotApplicable {
		t.Errorf("a resource gone: %v", v)
	}
	short := inst(resource.Running, map[string]any{"MetadataOptions": map[string]any{"HttpTokens": "optional"}})
	short.Read = 0
	if v := k.Evaluate(short, now); v.Status != Error || !strings.Contains(v.Reason, "description") {
		t.Errorf("a read without the description: %v", v)
	}
}

func TestSelect(t *testing.T) {
	cs, err := Select("EC2.8, ec2g-net-2,EC2.13")
	if err != nil || len(cs) != 2 || cs[0] != imdsInstance || cs[1] != netSSH {
		t.Errorf("Select: %v %v", cs, err)
	}
	if cs, err := Select("all"); err != nil || len(cs) != len(All()) {
		t.Errorf("Select all: %d %v", len(cs), err)
	}
	for _, bad := range []string{"EC2.99", "", " , "} {
		if _, err := Select(bad); err == nil {
			t.Errorf("Select(%q): no error", bad)
		}
	}
}

func TestParams(t *testing.T) {
	for _, tc := range []struct {
		c      *Control
		params map[string]any
		err    string
	}{
		{idleStopped, map[string]any{"allowed-days": 0}, "allowed-days is a whole number from 1 to 365, not 0"},
		{idleStopped, map[string]any{"allowed-days": json.Number("400")}, "from 1 to 365"},
		{idleStopped, map[string]any{"days": 3}, `unknown parameter "days" of EC2G-IDLE-1 (known: allowed-days)`},
		{imdsInstance, map[string]any{"hop-limit": 1}, `EC2G-IMDS-1 takes no parameters, not "hop-limit"`},
		{netAuthorizedPorts, map[string]any{"authorized-tcp-ports": []any{443, "70000"}}, "is not a port"},
		{netAuthorizedPorts, map[string]any{"authorized-tcp-ports": 443}, "is a list of ports"},
	} {
		_, err := tc.c.Compile(tc.params)
		var pe *ParamError
		if err == nil || !strings.Contains(err.Error(), tc.err) || !asParamError(err, &pe) {
			t.Errorf("%s %v: %v, want %q", tc.c.ID, tc.params, err, tc.err)
		}
	}
	if _, err := netAuthorizedPorts.Compile(map[string]any{"authorized-tcp-ports": []any{json.Number("443"), "8000-8100"}, "authorized-udp-ports": []any{}}); err != nil {
		t.Errorf("good ports: %v", err)
	}
}

func asParamError(err error, pe **ParamError) bool {
	p, ok := err.(*ParamError)
	*pe = p
	return ok
}

// perm is an ingress permission as awsapi.Tree writes one.
func perm(proto string, from, to float64, cidrs ...string) map[string]any {
	m := map[string]any{"IpProtocol": proto}
	if proto != "-1" {
		m["FromPort"], m["ToPort"] = from, to
	}
	var v4, v6 []any
	for _, c := range cidrs {
		if strings.Contains(c, ":") {
			v6 = append(v6, map[string]any{"CidrIpv6": c})
		} else {
			v4 = append(v4, map[string]any{"CidrIp": c})
		}
	}
	if v4 != nil {
		m["IpRanges"] = v4
	}
	if v6 != nil {
		m["Ipv6Ranges"] = v6
	}
	return m
}

// sg is a security group of those ingress permissions.
func sg(perms ...map[string]any) *resource.Resource {
	list := make([]any, len(perms))
	for i, p := range perms {
		list[i] = p
	}
	return res(resource.SecurityGroup, map[string]any{"GroupId": "sg-1", "GroupName": "web", "IsDefault": false, "IpPermissions": list})
}

func account(attrs map[string]any) *resource.Resource { return res(resource.Account, attrs) }

func template(defaultVersion map[string]any) *resource.Resource {
	return res(resource.LaunchTemplate, map[string]any{"DefaultVersion": map[string]any{"VersionNumber": float64(1), "LaunchTemplateData": defaultVersion}})
}

// A control names only actions ec2guard has: ec2guard controls and docs/controls.md tell a
// user what to write under actions:, and validate refuses an unknown one.
func TestActionsAreKnown(t *testing.T) {
	known := actions.Names()
	for _, c := range All() {
		for _, a := range c.Actions {
			if !slices.Contains(known, a) {
				t.Errorf("%s names action %q, which is not one of %v", c.ID, a, known)
			}
		}
	}
}
