package actions

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// A Template is the text of a tag value, a notification subject or message, with the event's
// values in it: {{.Field}} inserts a value, {{if .Field}}...{{else}}...{{end}} keeps a part only
// when a value is not empty. Nothing else: a rule file is data, and fields are checked when it
// is loaded. (text/template would do, but it calls methods by name through reflection, which
// stops the linker from dropping unused code: the binary was three times the size.)
type Template []node

type node struct {
	text        string   // literal text, when field and cond are empty
	field       string   // {{.field}}
	cond        string   // {{if .cond}}
	then, else_ Template // the branches of an if
}

// Fields gives a template the values of its fields: the package that runs actions fills them
// from the event, the resource and what the rule's earlier actions did.
type Fields interface {
	Field(name string) string
}

// TemplateFields are the names templates may use; a Fields has a value for each.
func TemplateFields() []string { return slices.Clone(fields) }

var fields = []string{
	"Rule", "EventID", "DetailType", "EventName", "Account", "Region", "Time", "State", "ResourceID", "ResourceKind",
	"Type", "UserName", "PrincipalID", "ARN", "SessionName", "RoleName",
	"Outcome", "Applied", "DryRun", "HeldBack", "Failed", "Skipped", "Pending", "Actions",
}

// ParseTemplate reads a template.
func ParseTemplate(src string) (Template, error) {
	p := &tparser{src: src}
	t, stop, err := p.nodes(0)
	if err != nil {
		return nil, err
	}
	if stop != "" {
		return nil, fmt.Errorf("{{%s}} without {{if}}", stop)
	}
	return t, nil
}

type tparser struct{ src string }

// maxTemplateDepth bounds {{if}} nesting: parsing and rendering recurse once per level, and a
// template in a rule file may be megabytes long.
const maxTemplateDepth = 20

// nodes reads until the end of the text, or an {{else}} or {{end}} inside an {{if}}, which it
// returns.
func (p *tparser) nodes(depth int) (t Template, stop string, err error) {
	for {
		i := strings.Index(p.src, "{{")
		if i < 0 {
			if p.src != "" {
				t = append(t, node{text: p.src})
			}
			p.src = ""
			if depth > 0 {
				return nil, "", errors.New("{{if}} without {{end}}")
			}
			return t, "", nil
		}
		if i > 0 {
			t = append(t, node{text: p.src[:i]})
		}
		j := strings.Index(p.src[i:], "}}")
		if j < 0 {
			return nil, "", fmt.Errorf("unclosed action %q", p.src[i:])
		}
		action := strings.TrimSpace(p.src[i+2 : i+j])
		p.src = p.src[i+j+2:]
		switch {
		case action == "end" || action == "else":
			if depth == 0 {
				return nil, "", fmt.Errorf("{{%s}} without {{if}}", action)
			}
			return t, action, nil
		case strings.HasPrefix(action, "if "):
			if depth >= maxTemplateDepth {
				return nil, "", fmt.Errorf("{{if}} nested deeper than %d", maxTemplateDepth)
			}
			n := node{}
			if n.cond, err = fieldName(strings.TrimSpace(action[3:])); err != nil {
				return nil, "", err
			}
			if n.then, stop, err = p.nodes(depth + 1); err != nil {
				return nil, "", err
			}
			if stop == "else" {
				if n.else_, stop, err = p.nodes(depth + 1); err != nil {
					return nil, "", err
				}
				if stop != "end" {
					return nil, "", errors.New("{{else}} twice in one {{if}}")
				}
			}
			t = append(t, n)
		default:
			f, err := fieldName(action)
			if err != nil {
				return nil, "", err
			}
			t = append(t, node{field: f})
		}
	}
}

func fieldName(action string) (string, error) {
	name, ok := strings.CutPrefix(action, ".")
	if !ok || !slices.Contains(fields, name) {
		return "", fmt.Errorf("{{%s}}: a template inserts {{.Field}} or keeps a part with {{if .Field}}...{{end}}, where Field is one of %s", action, strings.Join(fields, ", "))
	}
	return name, nil
}

// Execute writes the template with f's values.
func (t Template) Execute(b *strings.Builder, f Fields) {
	for _, n := range t {
		switch {
		case n.field != "":
			b.WriteString(f.Field(n.field))
		case n.cond != "":
			if f.Field(n.cond) != "" {
				n.then.Execute(b, f)
			} else {
				n.else_.Execute(b, f)
			}
		default:
			b.WriteString(n.text)
		}
	}
}

// Uses reports whether the template inserts or tests one of fields.
func (t Template) Uses(fields ...string) bool {
	for _, n := range t {
		if slices.Contains(fields, n.field) || slices.Contains(fields, n.cond) || n.then.Uses(fields...) || n.else_.Uses(fields...) {
			return true
		}
	}
	return false
}

// String is the template written with f's values.
func (t Template) String(f Fields) string {
	var b strings.Builder
	t.Execute(&b, f)
	return b.String()
}

// The notify action's subject and message when the rule gives none.
const (
	DefaultSubject = "ec2guard: {{.Rule}} on {{.ResourceID}}{{if .Outcome}}: {{.Outcome}}{{end}}"
	DefaultMessage = "ec2guard rule {{.Rule}} on {{.ResourceKind}} {{.ResourceID}} in {{if .Account}}account {{.Account}}, {{end}}{{.Region}} after event {{.EventID}} ({{.DetailType}}{{if .State}}: {{.State}}{{end}}){{if .Actions}}: {{.Actions}}{{end}}."
)
