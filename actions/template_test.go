package actions

import (
	"strings"
	"testing"
)

// fieldMap gives templates their values in the tests.
type fieldMap map[string]string

func (m fieldMap) Field(name string) string { return m[name] }

func TestTemplate(t *testing.T) {
	v := fieldMap{"Rule": "r", "ResourceID": "i-1", "Region": "eu-west-1", "UserName": "alice", "Type": "AssumedRole"}
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
		tpl, err := ParseTemplate(c.src)
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
		_, err := ParseTemplate(c.src)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.err)
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
	if tpl, err := ParseTemplate(deep(20)); err != nil || tpl.String(fieldMap{"Rule": "r"}) != "x" {
		t.Fatalf("20 levels: %v", err)
	}
	for _, n := range []int{21, 1000000} {
		if _, err := ParseTemplate(deep(n)); err == nil || err.Error() != "{{if}} nested deeper than 20" {
			t.Fatalf("%d levels: %v", n, err)
		}
	}
}

func FuzzTemplate(f *testing.F) {
	deep := func(n int) string { return strings.Repeat("{{if .Rule}}", n) + "x" + strings.Repeat("{{end}}", n) }
	for _, s := range []string{"{{.Rule}}", "{{if .Account}}a{{else}}b{{end}}", "{{", "}}{{end}}", DefaultMessage, deep(20), deep(21), deep(100000)} {
		f.Add(s)
	}
	v := fieldMap{"Rule": "r", "Account": "a"}
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := ParseTemplate(src)
		if err != nil {
			return
		}
		if !strings.Contains(src, "{{") && tpl.String(v) != src {
			t.Fatalf("text without actions changed: %q -> %q", src, tpl.String(v))
		}
	})
}
