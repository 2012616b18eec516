package controls

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
)

// Status is a control's verdict on one resource.
type Status string

// The statuses, as Security Hub's compliance statuses read in lower case.
const (
	Pass          Status = "pass"
	Fail          Status = "fail"
	Error         Status = "error"
	NotApplicable Status = "not-applicable"
)

// Verdict is what a control says of one resource.
type Verdict struct {
	Status   Status
	Severity Severity // the failing resource's (a graded control's grade); the control's otherwise
	Reason   string
}

// Check is a control compiled with its parameters: prepared once, evaluated many times.
type Check struct {
	*Control
	Values map[string]any // every parameter's value, defaults filled in
	scope  []rules.Filter
	fails  [][]rules.Filter
	grades [][]rules.Filter
	needs  resource.Needs
	notOf  string
}

// Compile prepares the control with parameter values (nil: the defaults). A value is
// checked against its parameter; an unknown name is an error.
func (c *Control) Compile(params map[string]any) (*Check, error) {
	values := map[string]any{}
	for _, p := range c.Params {
		values[p.Name] = p.Default
	}
	for name, v := range params {
		p, ok := c.Param(name)
		if !ok {
			return nil, &ParamError{Name: name, Msg: c.unknownParam(name)}
		}
		norm, err := p.check(v)
		if err != nil {
			return nil, &ParamError{Name: name, Msg: err.Error()}
		}
		values[name] = norm
	}
	k := &Check{Control: c, Values: values, needs: resource.NeedDescribe, notOf: "not a " + string(c.Kind)}
	kinds := []resource.Kind{c.Kind}
	compile := func(part, src string) ([]rules.Filter, error) {
		if src == "" {
			return nil, nil
		}
		fs, err := rules.ParseFilters(c.ID+" "+part, []byte(c.expand(src, values)), kinds)
		if err != nil {
			return nil, fmt.Errorf("control %s: %w", c.ID, err)
		}
		for _, f := range fs {
			k.needs |= f.NeedsFor(c.Kind)
		}
		return fs, nil
	}
	var err error
	if k.scope, err = compile("scope", c.Scope); err != nil {
		return nil, err
	}
	for i, cs := range c.Fails {
		fs, err := compile(fmt.Sprintf("fails[%d]", i), cs.Filters)
		if err != nil {
			return nil, err
		}
		k.fails = append(k.fails, fs)
	}
	for i, g := range c.Grades {
		fs, err := compile(fmt.Sprintf("grades[%d]", i), g.Filters)
		if err != nil {
			return nil, err
		}
		k.grades = append(k.grades, fs)
	}
	return k, nil
}

// MustCompile compiles the control with its defaults; the registry test holds every control
// to compiling, so an error is a defect of the catalogue.
func (c *Control) MustCompile() *Check {
	k, err := c.Compile(nil)
	if err != nil {
		panic(err)
	}
	return k
}

// ParamError is a parameter that is unknown or has a bad value.
type ParamError struct {
	Name string
	Msg  string
}

func (e *ParamError) Error() string { return e.Msg }

// ParamName is the parameter at fault (the rule loader points at it).
func (e *ParamError) ParamName() string { return e.Name }

func (c *Control) unknownParam(name string) string {
	if len(c.Params) == 0 {
		return fmt.Sprintf("%s takes no parameters, not %q", c.ID, name)
	}
	names := make([]string, len(c.Params))
	for i, p := range c.Params {
		names[i] = p.Name
	}
	return fmt.Sprintf("unknown parameter %q of %s (known: %s)", name, c.ID, strings.Join(names, ", "))
}

// check reads a parameter's value as a rule file gives it (YAML's numbers, strings, lists).
func (p *Param) check(v any) (any, error) {
	switch p.Type {
	case ParamInt:
		n, ok := wholeNumber(v)
		if !ok || n < p.Min || n > p.Max {
			return nil, fmt.Errorf("%s is a whole number from %d to %d, not %v", p.Name, p.Min, p.Max, v)
		}
		return n, nil
	case ParamPorts:
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%s is a list of ports and ranges ([80, 443, \"8000-8100\"])", p.Name)
		}
		out := make([]any, 0, len(list))
		for _, e := range list {
			if n, ok := wholeNumber(e); ok && n >= 0 && n <= 65535 {
				out = append(out, n)
				continue
			}
			s, _ := e.(string)
			lo, hi, isRange := strings.Cut(s, "-")
			a, errA := strconv.Atoi(strings.TrimSpace(lo))
			b, errB := strconv.Atoi(strings.TrimSpace(hi))
			if !isRange || errA != nil || errB != nil || a < 0 || b > 65535 || a > b {
				return nil, fmt.Errorf("%s: %v is not a port (0-65535) or a range (\"8000-8100\")", p.Name, e)
			}
			out = append(out, fmt.Sprintf("%d-%d", a, b))
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: parameter of unknown type", p.Name)
}

// wholeNumber reads an int, a float64 or a json.Number (a YAML number, decoded) that is whole.
func wholeNumber(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case int64:
		return int(x), true
	case float64:
		if x == float64(int(x)) {
			return int(x), true
		}
	case fmt.Stringer: // json.Number
		n, err := strconv.Atoi(x.String())
		return n, err == nil
	}
	return 0, false
}

// expand puts parameter values, as YAML, in place of ${param:NAME}.
func (c *Control) expand(src string, values map[string]any) string {
	for name, v := range values {
		src = strings.ReplaceAll(src, "${param:"+name+"}", yamlValue(v))
	}
	return src
}

func yamlValue(v any) string {
	switch x := v.(type) {
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = yamlValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case string:
		return strconv.Quote(x)
	}
	return fmt.Sprint(v)
}

// Needs is what a read of a resource must fetch for the control to judge it.
func (k *Check) Needs() resource.Needs { return k.needs }

// Filters are the compiled filters of each way to fail, in Fails' order, each list after the
// scope's (a control's rules in a rule file: one rule per case).
func (k *Check) Filters() [][]rules.Filter {
	out := make([][]rules.Filter, len(k.fails))
	for i, fs := range k.fails {
		out[i] = append(slices.Clip(k.scope), fs...)
	}
	return out
}

// Evaluate judges one resource as read, at now: not-applicable when it is of another kind,
// gone, or outside the control's scope; error when the read lacks what the control needs;
// fail when some case's filters all hold; pass otherwise.
func (k *Check) Evaluate(r *resource.Resource, now time.Time) Verdict {
	switch {
	case r.Kind != k.Kind:
		return Verdict{Status: NotApplicable, Severity: k.Severity, Reason: k.notOf}
	case !r.Exists:
		return Verdict{Status: NotApplicable, Severity: k.Severity, Reason: "it no longer exists"}
	case !r.Read.Has(k.needs):
		return Verdict{Status: Error, Severity: k.Severity, Reason: "the read of the resource lacks what the control needs (" + needNames(k.needs&^r.Read) + ")"}
	}
	if k.Setting != "" && unread(r, k.Setting) {
		return Verdict{Status: Error, Severity: k.Severity, Reason: "AWS did not give the account's " + k.Setting + " (its call failed): the setting is unknown"}
	}
	for _, f := range k.scope {
		if !f.Match(r, now) {
			return Verdict{Status: NotApplicable, Severity: k.Severity, Reason: k.OutOfScope}
		}
	}
	for i, fs := range k.fails {
		if holds(fs, r, now) {
			return k.failed(i, fs, r, now)
		}
	}
	return Verdict{Status: Pass, Severity: k.Severity, Reason: k.Pass}
}

func holds(fs []rules.Filter, r *resource.Resource, now time.Time) bool {
	for _, f := range fs {
		if !f.Match(r, now) {
			return false
		}
	}
	return true
}

func (k *Check) failed(i int, fs []rules.Filter, r *resource.Resource, now time.Time) Verdict {
	v := Verdict{Status: Fail, Severity: k.Severity, Reason: k.Fails[i].Why}
	var details []string
	for _, f := range fs {
		if d := f.Detail(r); d != "" {
			details = append(details, d)
		}
	}
	if len(details) > 0 {
		v.Reason += ": " + strings.Join(details, "; ")
	}
	for j, gs := range k.grades {
		if holds(gs, r, now) {
			v.Severity = k.Grades[j].Severity
			if w := k.Grades[j].Why; w != "" {
				v.Reason += " (" + w + ")"
			}
			break
		}
	}
	return v
}

var needLabels = []struct {
	n    resource.Needs
	name string
}{
	{resource.NeedDescribe, "its description"}, {resource.NeedUserData, "user data"}, {resource.NeedExposure, "exposure"},
	{resource.NeedUsage, "usage"}, {resource.NeedSharing, "sharing"}, {resource.NeedProtection, "protection"},
	{resource.NeedPermissions, "permissions"},
}

func needNames(n resource.Needs) string {
	var names []string
	for _, x := range needLabels {
		if n.Has(x.n) {
			names = append(names, x.name)
		}
	}
	return strings.Join(names, ", ")
}

func unread(r *resource.Resource, setting string) bool {
	list, _ := r.Attrs["Unread"].([]any)
	for _, s := range list {
		if s == setting {
			return true
		}
	}
	return false
}
