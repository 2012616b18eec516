package actions

import (
	"fmt"
	"sort"
	"strings"
)

// Table is the README's actions table, one row an action in the order of all: its name,
// whether it changes AWS state (and so obeys dry run, the loop budget and the caps), what it
// does, and its parameters with what each means (required ones marked).
func Table() string {
	var b strings.Builder
	b.WriteString("| Action | Changes AWS | What it does | Parameters |\n|:--|:--|:--|:--|\n")
	for _, d := range all {
		mutates := "no"
		if d.mutates {
			mutates = "yes"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", d.name, mutates, cell(d.doc), cell(paramList(d.params)))
	}
	return b.String()
}

// paramList words an action's parameters, sorted, "—" for none.
func paramList(params map[string]param) string {
	if len(params) == 0 {
		return "—"
	}
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		p := params[n]
		req := ""
		if p.required {
			req = " (required)"
		}
		parts[i] = fmt.Sprintf("`%s`%s: %s", n, req, p.doc)
	}
	return strings.Join(parts, "; ")
}

// cell keeps a table cell on one line and its pipes out of the table's.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
