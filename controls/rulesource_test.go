package controls

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

func load(t *testing.T, src string) (*rules.Set, error) {
	t.Helper()
	return rules.Load("r.yaml", []byte(src), rules.Options{Controls: RuleSource})
}

// A rule file's `- control: ID` is the control's rules: one per way it fails, judging its
// kind with its scope and case, on its events, with the entry's mode, parameters, actions.
func TestControlEntry(t *testing.T) {
	set, err := load(t, `rules:
  - control: EC2.15
    mode: enforce
    actions: [start]
  - control: EC2G-IDLE-1
    name: parked
    parameters: {allowed-days: 7}
    actions: [stop]
    exceptions: [{tag: keep, reason: kept on purpose}]
`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range set.Rules {
		names = append(names, r.Name)
	}
	if strings.Join(names, ",") != "EC2.15/1,EC2.15/2,parked" {
		t.Fatalf("rules %v", names)
	}
	sub := set.Rules[1]
	if sub.Mode != rules.Enforce || sub.Resources[0] != resource.Subnet || len(sub.Filters) != 1 || sub.Actions[0].Name != "start" || !strings.Contains(sub.Description, "IPv6") {
		t.Errorf("EC2.15/2: %+v", sub)
	}
	parked := set.Rules[2]
	if parked.Mode != rules.DryRun || len(parked.Filters) != 2 || len(parked.Exceptions) != 1 || parked.Filters[1].String() != "stopped-for 7d" {
		t.Errorf("parked: mode %s, filters %v, exceptions %v", parked.Mode, parked.Filters, parked.Exceptions)
	}
	m := set.Matcher
	ev := []byte(`{"source":"aws.ec2","detail-type":"AWS API Call via CloudTrail","detail":{"eventSource":"ec2.amazonaws.com","eventName":"ModifySubnetAttribute"}}`)
	if hits, err := m.Match(ev, nil); err != nil || len(hits) != 2 {
		t.Errorf("ModifySubnetAttribute selects %v (%v), want EC2.15's two rules", hits, err)
	}
}

func TestControlEntryErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"rules:\n  - control: EC2.99\n    actions: [stop]\n", `r.yaml:2:14: unknown control "EC2.99"`},
		{"rules:\n  - control: EC2.4\n    parameters: {alowed-days: 7}\n    actions: [stop]\n", `r.yaml:3:18: unknown parameter "alowed-days" of EC2G-IDLE-1 (known: allowed-days)`},
		{"rules:\n  - control: EC2.4\n    parameters:\n      allowed-days: 400\n", "r.yaml:4:7: allowed-days is a whole number from 1 to 365, not 400"},
		{"rules:\n  - control: EC2.8\n    parameters: {hop-limit: 1}\n", `r.yaml:3:18: EC2G-IMDS-1 takes no parameters, not "hop-limit"`},
		{"rules:\n  - control: EC2.8\n    filters: []\n", `r.yaml:3:5: unknown key "filters" of a control entry`},
		{"rules:\n  - control: EC2.8\n  - control: EC2.8\n", `duplicate rule name "EC2.8"`},
	} {
		_, err := load(t, tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.src, err, tc.want)
		}
	}
	if _, err := rules.Load("r.yaml", []byte("rules:\n  - control: EC2.8\n"), rules.Options{}); err == nil || !strings.Contains(err.Error(), "catalogue") {
		t.Errorf("without the catalogue: %v", err)
	}
}

// Every control can stand in a rule file: its rules load with the loader's reach check (each
// pattern selects events ec2guard acts on).
func TestEveryControlLoads(t *testing.T) {
	var b strings.Builder
	b.WriteString("rules:\n")
	for _, c := range All() {
		b.WriteString("  - control: " + c.ID + "\n    actions: [stop]\n")
	}
	if _, err := rules.Load("all.yaml", []byte(b.String()), rules.Options{Controls: RuleSource, Reach: true}); err != nil {
		t.Fatal(err)
	}
}

// A control gives its actions what they are to fix of what it judges (block-public-access:
// EC2.182 the snapshots' setting, EC2G-PUB-4 the images'), where the entry does not say; the
// action's parameters are parsed again with it, and a refusal is the control entry's error.
func TestControlGivesActionParams(t *testing.T) {
	var parsed []map[string]any
	opts := rules.Options{Controls: RuleSource, ParseAction: func(name string, params map[string]any) (any, error) {
		if f, ok := params["for"].([]any); ok && len(f) == 1 && f[0] == "nothing" {
			return nil, fmt.Errorf("for: nothing is not a part")
		}
		parsed = append(parsed, params)
		return name, nil
	}}
	set, err := rules.Load("r.yaml", []byte(`rules:
  - control: EC2.182
    actions: [block-public-access, notify: {topic: t}]
  - control: EC2G-PUB-4
    actions: [block-public-access: {for: [snapshots, images]}]
  - control: EC2.8
    actions: [notify: {topic: t}]
`), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"EC2.182": "map[for:[snapshots]] map[topic:t]", "EC2G-PUB-4": "map[for:[snapshots images]]", "EC2.8": "map[topic:t]"}
	for _, r := range set.Rules {
		var got []string
		for _, a := range r.Actions {
			got = append(got, fmt.Sprint(a.Params))
			if a.Config != a.Name {
				t.Errorf("%s %s: config %v", r.Name, a.Name, a.Config)
			}
		}
		if strings.Join(got, " ") != want[r.Name] {
			t.Errorf("%s: actions' parameters %v, want %s", r.Name, got, want[r.Name])
		}
	}
	_, err = rules.Load("r.yaml", []byte("rules:\n  - control: EC2.182\n    actions: [notify: {topic: t}]\n  - control: EC2G-PUB-4\n    actions: [block-public-access]\n"), rules.Options{Controls: func(id string, p map[string]any) ([]rules.ControlRule, error) {
		crs, err := RuleSource(id, p)
		for i := range crs {
			crs[i].ActionParams = map[string]map[string]any{"block-public-access": {"for": []any{"nothing"}}}
		}
		return crs, err
	}, ParseAction: opts.ParseAction})
	if err == nil || !strings.Contains(err.Error(), `r.yaml:4:14: action "block-public-access" with the parameters control EC2G-PUB-4 gives it: for: nothing is not a part`) {
		t.Errorf("a refused parameter: %v", err)
	}
}
