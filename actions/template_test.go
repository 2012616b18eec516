package actions

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
)

func TestTemplate(t *testing.T) {
	v := values{Rule: "r", ResourceID: "i-1", Region: "eu-west-1", Identity: event.Identity{UserName: "alice", Type: "AssumedRole"}}
	for _, c := range []struct{ src, want string }{
		{"", ""},
		{"plain", "plain"},
		{"{{.Rule}} on {{ .ResourceID }}", "r on i-1"},
		{"{{.UserName}}/{{.Type}}", "alice/AssumedRole"},
		{"in {{if .Account}}account {{.Account}}, {{end}}{{.Region}}", "in eu-west-1"},
		{"{{if .Region}}[{{.Region}}]{{else}}none{{end}}", "[eu-west-1]"},
		{"{{if .Account}}{{.Account}}{{else}}no account{{if .Region}} ({{.Region}}){{end}}{{end}}!", "no account (eu-west-1)!"},
		{"{ {.Rule} } {{.Rule}}}", "{ {.Rule} } r}"},
	} {
		tpl, err := parseTemplate(c.src)
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		if got := tpl.String(v); got != c.want {
			t.Errorf("%q = %q, want %q", c.src, got, c.want)
		}
	}
	for _, c := range []struct{ src, err string }{
		{"{{.Nope}}", "{{.Nope}}: a template inserts"},
		{"{{Rule}}", "{{Rule}}"},
		{"{{.Rule | printf}}", "{{.Rule | printf}}"},
		{"{{if .Rule}}x", "{{if}} without {{end}}"},
		{"x{{end}}", "{{end}} without {{if}}"},
		{"{{if .Rule}}a{{else}}b{{else}}c{{end}}", "{{else}} twice"},
		{"{{.Rule", "unclosed action"},
		{"{{if .Nope}}x{{end}}", "{{.Nope}}"},
	} {
		_, err := parseTemplate(c.src)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.err)
		}
	}
	// Every field a template may name has a value.
	full := values{Rule: "1", EventID: "2", DetailType: "3", EventName: "4", Account: "5", Region: "6", Time: "7", State: "8", ResourceID: "9", ResourceKind: "10",
		Identity: event.Identity{Type: "11", UserName: "12", PrincipalID: "13", ARN: "14", SessionName: "15", RoleName: "16"}}
	for i, o := range []engine.Outcome{engine.Applied, engine.DryRun, engine.Suppressed, engine.Failed, engine.Skipped, engine.Pending} {
		full.told.steps = append(full.told.steps, engine.Step{Action: fmt.Sprint("a", i), Mutating: true, Outcome: o, Reason: "why"})
	}
	full.told = tell(full.told.steps)
	for i, f := range fields {
		if got := full.get(f); got == "" {
			t.Errorf("field %s (#%d) has no value", f, i+1)
		}
	}
}

// Template errors are reported when the rule file is loaded.
func TestCheckTemplates(t *testing.T) {
	if err := Check("notify", map[string]any{"topic": "arn:aws:sns:us-east-1:1:t", "subject": "{{.Nope}}"}); err == nil || !strings.Contains(err.Error(), `parameter "subject"`) {
		t.Errorf("subject: %v", err)
	}
	if err := Check("tag", map[string]any{"tags": map[string]any{"Owner": "{{.UserNam}}"}}); err == nil || !strings.Contains(err.Error(), `value of "Owner"`) {
		t.Errorf("tags: %v", err)
	}
	if err := Check("tag", map[string]any{"tags": map[string]any{"Owner": "{{.UserName}}"}}); err != nil {
		t.Error(err)
	}
}

// Nesting is bounded: a million {{if}}s overflowed the stack.
func TestTemplateDepth(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("{{if .Rule}}", n) + "x" + strings.Repeat("{{end}}", n) }
	if tpl, err := parseTemplate(deep(20)); err != nil || tpl.String(values{Rule: "r"}) != "x" {
		t.Fatalf("20 levels: %v", err)
	}
	for _, n := range []int{21, 1000000} {
		if _, err := parseTemplate(deep(n)); err == nil || err.Error() != "{{if}} nested deeper than 20" {
			t.Fatalf("%d levels: %v", n, err)
		}
	}
}

func FuzzTemplate(f *testing.F) {
	deep := func(n int) string { return strings.Repeat("{{if .Rule}}", n) + "x" + strings.Repeat("{{end}}", n) }
	for _, s := range []string{"{{.Rule}}", "{{if .Account}}a{{else}}b{{end}}", "{{", "}}{{end}}", defaultMessage, deep(20), deep(21), deep(100000)} {
		f.Add(s)
	}
	v := values{Rule: "r", Account: "a"}
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := parseTemplate(src)
		if err != nil {
			return
		}
		if !strings.Contains(src, "{{") && tpl.String(v) != src {
			t.Fatalf("text without actions changed: %q -> %q", src, tpl.String(v))
		}
	})
}
