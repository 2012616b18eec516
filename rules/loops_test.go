package rules_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/rules"
)

const restart = `
  - name: restart-protected
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    filters: [{tag: Protected, equals: "true"}]
    actions: [start]
`

func TestLoops(t *testing.T) {
	tests := []struct {
		name  string
		rules string
		loop  string // "" = no loop reported
	}{
		{"seed rules 1 and 2 loop on a protected instance without the exception", restart + `
  - name: stop-unexcepted
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    filters: [{tag: SPECIAL_EXCEPTION, absent: true}]
    actions: [stop]
`, `"restart-protected"'s start drives an instance to running, which "stop-unexcepted" (f.yaml:7:5) selects; "stop-unexcepted"'s stop drives an instance to stopped, which "restart-protected" (f.yaml:2:5) selects`},
		{"exclusive tag filters break the loop", restart + `
  - name: stop-unexcepted
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    filters: [{tag: SPECIAL_EXCEPTION, absent: true}, {tag: Protected, absent: true}]
    actions: [stop]
`, ""},
		{"different equals values break the loop", restart + `
  - name: stop-dev
    pattern: {source: [aws.ec2], detail: {state: [running]}}
    filters: [{tag: Protected, one-of: ["false", "no"]}]
    actions: [stop]
`, ""},
		{"a state filter the result never has breaks the loop", restart + `
  - name: stop-stopping
    pattern: {source: [aws.ec2], detail: {state: [{anything-but: stopped}]}}
    filters: [{state: [stopping]}]
    actions: [stop]
`, ""},
		{"a pattern that does not select the result", restart + `
  - name: stop-on-terminated
    pattern: {source: [aws.ec2], detail: {state: [terminated]}}
    actions: [stop]
`, ""},
		{"a rule that triggers itself", `
  - name: flapper
    pattern: {source: [aws.ec2], detail: {state: [{prefix: "st"}]}}
    actions: [stop, start]
`, `"flapper"'s stop drives an instance to stopping, which "flapper" (f.yaml:2:5) selects`},
		// Patterns that pin the fields a state-change event shares with its instance still
		// select the events the other rule's action causes on the instances it acts on.
		{"both pin the region", pinned("region: [eu-west-1]", "region: [eu-west-1]"), loopOf},
		{"both pin the account", pinned(`account: ["123456789012"]`, `account: ["123456789012"]`), loopOf},
		{"both pin the instance id", pinned("detail: {instance-id: [i-0abc]}", "detail: {instance-id: [i-0abc]}"), loopOf},
		{"both pin the resource ARN", pinned(`resources: ["arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc"]`, `resources: ["arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc"]`), loopOf},
		{"an ARN prefix and a region", pinned(`resources: [{prefix: "arn:aws:ec2:eu-west-1:111122223333:"}]`, "region: [eu-west-1]"), loopOf},
		{"a China region's ARN", pinned(`resources: ["arn:aws-cn:ec2:cn-north-1:111122223333:instance/i-0abc"]`, "region: [cn-north-1]"), loopOf},
		{"one pins the account, the other excludes others", pinned(`account: ["111122223333"]`, `account: [{anything-but: ["210987654321"]}]`), loopOf},
		{"one pins, the other says nothing", pinned("region: [ap-south-2]", ""), loopOf},
		{"the id filter is the pinned instance", pinned("detail: {instance-id: [i-0abc]}", "") + "    filters: [{id: [i-0abc]}]\n", loopOf},
		{"patterns on the event's own id and time", pinned(`time: [{prefix: "2026-12-"}]`, `id: [{anything-but: {prefix: "x"}}]`), loopOf},
		{"different regions", pinned("region: [us-east-1]", "region: [eu-west-1]"), ""},
		{"the account one excludes", pinned(`account: ["111122223333"]`, `account: [{anything-but: ["111122223333"]}]`), ""},
		{"the ARN of another instance than the pinned id", pinned(`resources: ["arn:aws:ec2:eu-west-1:111122223333:instance/i-0abc"]`, "detail: {instance-id: [i-0def]}"), ""},
		{"an id filter of another instance", pinned("detail: {instance-id: [i-0abc]}", "") + "    filters: [{id: [i-0def]}]\n", ""},
		// Filters that cannot both hold on one instance.
		{"glob against a value it does not match", tagged("{tag: Env, glob: prod-*}", "{tag: Env, equals: dev}"), ""},
		{"glob against a value it matches", tagged("{tag: Env, glob: prod-*}", "{tag: Env, one-of: [dev, prod-eu]}"), loopOf},
		{"globs with different beginnings", tagged("{tag: Env, glob: prod-*}", "{tag: Env, glob: dev-*}"), ""},
		{"globs with different endings", tagged("{tag: Env, glob: \"*-eu\"}", "{tag: Env, glob: \"?-us\"}"), ""},
		{"globs that may meet", tagged("{tag: Env, glob: prod-*}", "{tag: Env, glob: \"*-eu\"}"), loopOf},
		{"one of several globs may meet", tagged("{tag: Env, glob: [dev-*, test-*]}", "{tag: Env, glob: [prod-*, test-eu]}"), loopOf},
		{"a literal glob is a value", tagged("{tag: Env, glob: dev}", "{tag: Env, equals: prod}"), ""},
		{"glob against absent", tagged("{tag: Env, glob: \"*\"}", "{tag: Env, absent: true}"), ""},
		{"glob against present", tagged("{tag: Env, glob: \"*\"}", "{tag: Env, present: true}"), loopOf},
		{"different ids", tagged("{id: [i-1]}", "{id: [i-2]}"), ""},
		{"the same id", tagged("{id: [i-1, i-2]}", "{id: [i-2]}"), loopOf},
		{"not an instance", tagged("{kind: [instance]}", "{kind: [volume]}"), ""},
		{"a state filter of the state the instance reaches after the event", restart + `
  - name: stop-booting
    pattern: {source: [aws.ec2], detail: {state: [pending]}}
    filters: [{state: [running]}]
    actions: [stop]
`, `"restart-protected"'s start drives an instance to pending, which "stop-booting" (f.yaml:7:5) selects`},
		{"a rule whose state filter never lets its action act", `
  - name: start-running
    pattern: {source: [aws.ec2], detail: {state: [stopped]}}
    filters: [{state: [running]}]
    actions: [start]
  - name: stop-running
    pattern: {source: [aws.ec2], detail: {state: [running]}}
    actions: [stop]
`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rules.Load("f.yaml", []byte("rules:"+tt.rules), rules.Options{CheckAction: actions.Check, Transitions: actions.Transitions})
			switch {
			case tt.loop == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.loop != "" && (err == nil || !strings.Contains(err.Error(), tt.loop)):
				t.Fatalf("error = %v\nwant it to contain %s", err, tt.loop)
			}
		})
	}
}

const loopOf = `"a"'s start drives an instance to running, which "b" (f.yaml:6:5) selects; "b"'s stop drives an instance to stopped, which "a" (f.yaml:2:5) selects`

// pinned is a start-on-stopped rule a and a stop-on-running rule b whose patterns add the
// given fields (YAML flow mapping entries; a detail: {...} entry gets the state added).
func pinned(a, b string) string {
	pat := func(state, extra string) string {
		switch {
		case strings.HasPrefix(extra, "detail: {"):
			return "{source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], " +
				strings.Replace(extra, "detail: {", "detail: {state: ["+state+"], ", 1) + "}"
		case extra != "":
			extra = ", " + extra
		}
		return "{source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [" + state + "]}" + extra + "}"
	}
	return `
  - name: a
    pattern: ` + pat("stopped", a) + `
    actions: [start]
    mode: enforce
  - name: b
    pattern: ` + pat("running", b) + `
    actions: [stop]
`
}

// tagged is rules a and b of pinned without pins, with one filter each.
func tagged(fa, fb string) string {
	return `
  - name: a
    pattern: {source: [aws.ec2], detail: {state: [stopped]}}
    filters: [` + fa + `]
    actions: [start]
  - name: b
    pattern: {source: [aws.ec2], detail: {state: [running]}}
    filters: [` + fb + `]
    actions: [stop]
`
}

// A rule file that names many values in the shared fields is checked on a bounded number of
// instances and events.
func TestLoopsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "  - name: r%d\n    pattern: {source: [aws.ec2], region: [r%d-x-1], account: [\"%012d\"], id: [e%d], time: [t%d], detail: {instance-id: [i-%d], state: [stopped, running]}}\n    actions: [start, stop]\n", i, i, i, i, i, i)
	}
	start := time.Now()
	_, err := rules.Load("f.yaml", []byte(b.String()), rules.Options{CheckAction: actions.Check, Transitions: actions.Transitions, Reach: true})
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Load took %v", d)
	}
	// Each rule loops on itself on the instance its pattern names.
	var errs rules.Errors
	if !errors.As(err, &errs) || len(errs) != 40 || !strings.Contains(errs[39].Error(), `"r39"'s start drives an instance to running, which "r39"`) {
		t.Fatalf("error = %v", err)
	}
}

// A pattern on an event's own id or time alone is kept as it is, and the rest still checked.
func TestLoopsOwnFieldsOnly(t *testing.T) {
	_, err := rules.Load("f.yaml", []byte(`rules:
  - name: by-time
    pattern: {time: [{prefix: "2026-"}]}
    actions: [start]
  - name: flapper
    pattern: {source: [aws.ec2], detail: {state: [{prefix: "st"}]}}
    actions: [stop, start]
`), rules.Options{CheckAction: actions.Check, Transitions: actions.Transitions})
	if err == nil || !strings.Contains(err.Error(), `"flapper"'s stop drives an instance to stopping`) {
		t.Fatalf("error = %v", err)
	}
}
