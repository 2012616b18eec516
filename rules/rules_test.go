package rules

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/resource"
)

func TestLoadSeeds(t *testing.T) {
	src, err := os.ReadFile("testdata/seeds.yaml")
	if err != nil {
		t.Fatal(err)
	}
	set, err := Load("seeds.yaml", src, Options{Vars: map[string]string{"topic": "arn:aws:sns:us-east-1:123456789012:ops"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Rules) != 3 {
		t.Fatalf("%d rules, want 3", len(set.Rules))
	}
	r := set.Rules[0]
	if r.Name != "restart-protected" || r.Mode != Enforce || r.Loc.Line != 3 {
		t.Errorf("rule 0 = %q mode %s at %s", r.Name, r.Mode, r.Loc)
	}
	if got := r.Actions[1].Params["topic"]; got != "arn:aws:sns:us-east-1:123456789012:ops" {
		t.Errorf("notify topic = %v: the variable was not filled", got)
	}
	if set.Rules[1].Mode != DryRun {
		t.Errorf("default mode = %s, want dry-run", set.Rules[1].Mode)
	}
	if got := set.Rules[1].Actions[0]; got.Name != "stop" || got.Params["force"] != false {
		t.Errorf("stop action = %+v", got)
	}
	ev := []byte(`{"source":"aws.ec2","detail-type":"EC2 Instance State-change Notification","detail":{"state":"stopped"}}`)
	if got, err := set.Matcher.Match(ev, nil); err != nil || !slices.Equal(got, []int{0}) {
		t.Fatalf("Match = %v, %v; want [0]", got, err)
	}
	ct := []byte(`{"detail-type":"AWS API Call via CloudTrail","detail":{"eventName":"RunInstances","errorCode":"Client.UnauthorizedOperation"}}`)
	if got, _ := set.Matcher.Match(ct, nil); len(got) != 0 {
		t.Fatalf("a failed call matched %v", got)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // "line:col: message part"
	}{
		{"empty", ``, []string{"1:1: the rule file is empty"}},
		{"bad yaml", "rules:\n  - name: [x\n", []string{"2:11: not valid YAML or JSON: sequence end token ']' not found"}},
		{"bad yaml: a line off before", "rules:\n  - name: a\n    pattern: {source: [x]\n    actions: [start]\n", []string{"4:5: not valid YAML or JSON: ',' or '}' must be specified"}},
		{"bad yaml: value in a scalar", "rules:\n  - name: a\n    pattern: x: y\n", []string{"3:14: not valid YAML or JSON: mapping value is not allowed in this context"}},
		{"alias bomb", string(aliasBomb), []string{"11:14: not valid YAML or JSON: aliases expand the document past 200000 values: an alias bomb?"}},
		{"recursive alias", "rules:\n  - name: a\n    pattern: &p {source: [*p]}\n    actions: [start]\n", []string{"3:27: not valid YAML or JSON: alias *p refers to a value that contains it (anchor &p at 3:14)"}},
		{"semantic error through an alias", "x: &bad {source: x}\nrules:\n  - name: a\n    pattern: *bad\n    actions: [start]\n", []string{"1:1: unknown top-level key \"x\"", "1:18: pattern: source: match values must be in an array"}},
		{"not a mapping", "- a\n", []string{"1:1: the rule file must be a mapping"}},
		{"unknown top key", "rule: []\n", []string{"1:1: unknown top-level key \"rule\"", "1:1: missing the top-level rules"}},
		{"unknown rule key", "rules:\n  - name: a\n    pattern: {source: [x]}\n    actions: [start]\n    modes: enforce\n",
			[]string{"5:5: unknown rule key \"modes\""}},
		{"pattern error points at the node", "rules:\n  - name: a\n    pattern:\n      detail:\n        state: stopped\n    actions: [start]\n",
			[]string{"5:16: pattern: detail.state: match values must be in an array"}},
		{"pattern operator error", "rules:\n  - name: a\n    pattern:\n      n: [{numeric: [\">\", 5, \"<\", 1]}]\n    actions: [start]\n",
			[]string{"4:10: pattern: n: numeric: the lower bound must be below the upper bound"}},
		{"unset variable", "rules:\n  - name: a\n    pattern: {source: [x]}\n    actions:\n      - notify: {topic: \"${var:topic}\"}\n",
			[]string{"5:25: variable \"topic\" is not set"}},
		{"duplicate names", "rules:\n  - name: a\n    pattern: {source: [x]}\n    actions: [start]\n  - name: a\n    pattern: {source: [y]}\n    actions: [stop]\n",
			[]string{"5:5: duplicate rule name \"a\" (first at f.yaml:2:5)"}},
		{"no actions", "rules:\n  - name: a\n    pattern: {source: [x]}\n", []string{"2:5: rule \"a\" has no actions"}},
		{"bad mode", "rules:\n  - name: a\n    pattern: {source: [x]}\n    actions: [start]\n    mode: yes-please\n", []string{"5:11: mode must be enforce or dry-run"}},
		{"bad filter", "rules:\n  - name: a\n    pattern: {source: [x]}\n    filters:\n      - {tag: P, equals: x, absent: true}\n      - {state: [runing]}\n      - {colour: red}\n    actions: [start]\n",
			[]string{"5:9: a tag filter needs exactly one", "6:18: unknown instance state \"runing\"", "7:9: unknown filter"}},
		{"semantic errors at their value", "rules:\n  - name: a\n    description: [x]\n    pattern: {source: [x]}\n    filters:\n      - {kind: [instance, vm]}\n      - {tag: P, present: false}\n      - {tag: P, glob: [ok, 7, {}]}\n      - {state: [running, \"up\"]}\n    actions: [start, {stop: [x]}]\n",
			[]string{"3:18: description must be a string", "6:27: unknown resource kind \"vm\"", "7:27: present takes true", "8:32: glob must be a string", "9:27: unknown instance state \"up\"", "10:29: the parameters of action \"stop\" must be a mapping"}},
		{"flow and block positions agree", "{\"rules\": [\n  {\"name\": \"a\", \"pattern\": {\"source\": \"x\"}, \"actions\": [\"start\"], \"mode\": \"on\"}]}\n",
			[]string{"2:39: pattern: source: match values must be in an array", "2:75: mode must be enforce or dry-run"}},
		{"action checked", "rules:\n  - name: a\n    pattern: {source: [x]}\n    actions:\n      - explode\n", []string{"5:9: action \"explode\": unknown action"}},
		{"several rules, all errors", "rules:\n  - name: a\n    actions: [start]\n  - pattern: {source: [x]}\n    actions: [start]\n",
			[]string{"2:5: rule \"a\" has no pattern", "4:5: the rule has no name"}},
	}
	check := func(name string, params map[string]any) error {
		if name == "explode" {
			return fmt.Errorf("unknown action")
		}
		return nil
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("f.yaml", []byte(tt.src), Options{CheckAction: check})
			WantErrors(t, err, tt.want)
		})
	}
}

// aliasBomb is a rule file of some 740 bytes whose pattern stands for about 10^9 values.
var aliasBomb = []byte(`rules:
  - name: bomb
    description: nine levels of nine aliases under a pattern, 9^9 strings as JSON in the 748 bytes of this file
    actions: [start]
    pattern:
      a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
      b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
      c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
      d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
      e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
      f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
      g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
      h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
      i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
      j: [*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i]
      k: [*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i,*i]
`)

// WantErrors fails t unless err is Errors whose messages contain want's, in order (the
// external tests use it too).
func WantErrors(t *testing.T, err error, want []string) {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Load error = %v, want Errors", err)
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, w := range want {
		if !strings.Contains(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want it to contain %q", i, errs[i], w)
		}
	}
}

func TestFilterMatch(t *testing.T) {
	tags := map[string]string{"Protected": "true", "Env": "prod-eu"}
	tests := []struct {
		f    Filter
		want bool
	}{
		{Filter{Kind: FilterTag, Tag: "Protected", Op: TagEquals, Values: []string{"true"}}, true},
		{Filter{Kind: FilterTag, Tag: "Protected", Op: TagEquals, Values: []string{"True"}}, false},
		{Filter{Kind: FilterTag, Tag: "SPECIAL_EXCEPTION", Op: TagAbsent}, true},
		{Filter{Kind: FilterTag, Tag: "Env", Op: TagPresent}, true},
		{Filter{Kind: FilterTag, Tag: "Env", Op: TagOneOf, Values: []string{"dev", "prod-eu"}}, true},
		{Filter{Kind: FilterTag, Tag: "Env", Op: TagGlob, Values: []string{"prod-*"}}, true},
		{Filter{Kind: FilterTag, Tag: "Missing", Op: TagGlob, Values: []string{"*"}}, false},
		{Filter{Kind: FilterState, Values: []string{"running", "pending"}}, true},
		{Filter{Kind: FilterState, Values: []string{"stopped"}}, false},
		{Filter{Kind: FilterID, Values: []string{"i-1"}}, true},
		{Filter{Kind: FilterKindK, Values: []string{"volume"}}, false},
	}
	for _, tt := range tests {
		r := &resource.Resource{Ref: resource.Ref{Kind: resource.Instance, ID: "i-1"}, State: resource.Running, Tags: tags, Exists: true}
		if got := tt.f.Match(r, time.Now()); got != tt.want {
			t.Errorf("%+v.Match = %v, want %v", tt.f, got, tt.want)
		}
	}
}

func FuzzLoad(f *testing.F) {
	src, _ := os.ReadFile("testdata/seeds.yaml")
	f.Add(src)
	f.Add([]byte("rules:\n  - name: a\n    pattern: {source: [x]}\n    actions: [start]\n"))
	f.Add([]byte("rules: [{name: a, pattern: &p {a: [1]}, actions: [*p]}]"))
	f.Add(aliasBomb)
	f.Add([]byte("rules:\n  - name: a\n    pattern: {source: [aws.ec2], region: [eu-west-1], detail: {state: [stopped]}}\n    filters: [{tag: Env, glob: \"prod-*\"}]\n    actions: [start]\n  - name: b\n    pattern: {resources: [{prefix: \"arn:aws:ec2:eu-west-1:\"}], detail: {state: [running]}}\n    filters: [{tag: Env, glob: \"*-eu\"}]\n    actions: [stop]\n"))
	f.Add([]byte("rules: [{name: a, pattern: {$or: [{detail: {eventName: [StopInstances]}}, {detail-type: [x]}]}, actions: [start]}]"))
	f.Add([]byte("rules:\n  - name: a\n    pattern: &p {source: [*p]}\n    actions: [start]\n"))
	f.Add([]byte("rules: [{name: a, pattern: {source: [x]}, actions: [&a {tag: {tags: {k: *a}}}]}]"))
	f.Add([]byte("rules: [{name: a, pattern: " + strings.Repeat("{a: ", 120) + "[1]" + strings.Repeat("}", 120) + ", actions: [start]}]"))
	f.Add([]byte("rules:\n  - name: a\n    pattern: {source: [aws.ec2]}\n    resources: [instance, security-group]\n    filters:\n      - {attr: 'NetworkInterfaces[].Groups[].GroupName', match: all, one-of: [web]}\n      - {attr: MetadataOptions.HttpTokens, not-equals: required}\n      - {attr: LaunchTime, older-than: 1d12h}\n      - {ingress: {ports: [22, \"8000-8100\"], protocol: tcp, from: [203.0.113.0/24]}}\n    actions: [start]\n"))
	f.Add([]byte("rules: [{name: a, pattern: {source: [aws.ec2]}, resources: [instance], filters: [{exposed: {ports: [22]}}, {stopped-for: 30d}, {attr: UserData, contains: x}], actions: [stop]}, {name: b, pattern: {source: [aws.ec2]}, resources: [snapshot, volume], filters: [{public: true}], actions: [start]}]"))
	// The loop and reach checks run too, on the start and stop transitions of package actions
	// (which this package's tests cannot import).
	f.Fuzz(func(t *testing.T, src []byte) {
		set, err := Load("f.yaml", src, Options{Vars: map[string]string{"topic": "t"}, Transitions: testTransitions, Reach: true})
		if err != nil {
			var errs Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %v is not a non-empty Errors", err)
			}
			return
		}
		if set.Matcher == nil || len(set.Rules) == 0 {
			t.Fatal("a loaded set has no rules or no matcher")
		}
	})
}

// testTransitions are the start and stop transitions of package actions (which this
// package's tests cannot import), for the loop and reach checks.
func testTransitions(name string, _ map[string]any) (from, to []string) {
	switch name {
	case "start":
		return []string{"stopping", "stopped"}, []string{"pending", "running"}
	case "stop":
		return []string{"pending", "running"}, []string{"stopping", "stopped"}
	}
	return nil, nil
}
