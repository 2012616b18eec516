// Package analyze gathers what `ec2guard iam check` analyses — policy files and folders,
// get-account-authorization-details dumps, CloudFormation templates, the live account —
// into policy documents and principals, and runs the check registry over them with the
// configuration (approved AMIs, provisioning principals, severity overrides, exclusions).
package analyze

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ec2guard/ec2guard/iam/checks"
	"github.com/ec2guard/ec2guard/iam/policy"
)

// Inventory is everything to analyse.
type Inventory struct {
	// Documents are the distinct policy documents, each checked once by document checks.
	Documents []*checks.Document
	// Subjects are the principals (users, roles, and standalone policy documents), each
	// checked by principal checks on its effective permissions.
	Subjects []*checks.Subject
	// Warnings are things the analysis could not cover (a managed policy missing from a
	// dump, an AWS managed policy a template attaches), for the user to see.
	Warnings []string
	// Inputs counts the files read as inputs; Skipped are the files of walked folders that
	// are none of the inputs (events, patterns, rule files), left out.
	Inputs  int
	Skipped []string
}

// Merge appends another inventory.
func (inv *Inventory) Merge(o *Inventory) {
	inv.Documents = append(inv.Documents, o.Documents...)
	inv.Subjects = append(inv.Subjects, o.Subjects...)
	inv.Warnings = append(inv.Warnings, o.Warnings...)
	inv.Inputs += o.Inputs
	inv.Skipped = append(inv.Skipped, o.Skipped...)
}

// parseDocument parses one policy document; name is how findings name it, file where it is.
func parseDocument(file, name string, src []byte) *checks.Document {
	doc, err := policy.Parse(file, src)
	d := &checks.Document{Doc: doc, Name: name, Loc: policy.Location{File: file, Line: 1, Column: 1}}
	var pe *policy.ParseError
	if errors.As(err, &pe) {
		d.Err = pe
	} else if err != nil {
		d.Err = &policy.ParseError{Issues: []policy.Issue{{Loc: d.Loc, Msg: err.Error()}}}
	}
	if doc != nil {
		doc.Name = name
		d.Loc = doc.Loc
	}
	return d
}

// standalone makes a subject of a policy document held by nobody known.
func standalone(d *checks.Document) *checks.Subject {
	s := &checks.Subject{Name: d.Name, Kind: "policy"}
	if d.Doc != nil {
		s.Identity = []*policy.Document{d.Doc}
	}
	return s
}

// shift moves the positions of a document parsed from a slice of a larger file to where
// the slice starts in that file.
func shift(d *checks.Document, base policy.Location) {
	mv := func(l *policy.Location) {
		if l.Line == 1 {
			l.Column += base.Column - 1
		}
		l.Line += base.Line - 1
		l.File = base.File
	}
	mv(&d.Loc)
	if d.Doc != nil {
		mv(&d.Doc.Loc)
		for _, st := range d.Doc.Statements {
			mv(&st.Loc)
			for i := range st.Conditions {
				mv(&st.Conditions[i].Loc)
			}
		}
	}
	if d.Err != nil {
		for i := range d.Err.Issues {
			mv(&d.Err.Issues[i].Loc)
		}
	}
}

// pin puts every position of a document at one place: for documents whose text is not the
// file's (URL-encoded strings in raw API output).
func pin(d *checks.Document, at policy.Location) {
	d.Loc = at
	if d.Doc != nil {
		d.Doc.Loc = at
		for _, st := range d.Doc.Statements {
			st.Loc = at
			for i := range st.Conditions {
				st.Conditions[i].Loc = at
			}
		}
	}
	if d.Err != nil {
		for i := range d.Err.Issues {
			d.Err.Issues[i].Loc = at
		}
	}
}

// Summary counts what a run saw and found.
type Summary struct {
	Policies   int            `json:"policies"`
	Principals int            `json:"principals"`
	Findings   int            `json:"findings"`
	Excluded   int            `json:"excluded"`
	Skipped    int            `json:"skipped"` // files of walked folders that are not IAM inputs
	BySeverity map[string]int `json:"by_severity"`
	ByCheck    map[string]int `json:"by_check"`
	Catalog    string         `json:"catalog"`
}

// Result is the outcome of a run.
type Result struct {
	Findings []checks.Finding `json:"findings"`
	Summary  Summary          `json:"summary"`
}

// Run runs the checks (all of them when list is nil) over the inventory with the
// configuration.
func Run(env *checks.Env, cfg *Config, inv *Inventory, list []*checks.Check) (*Result, error) {
	if list == nil {
		list = checks.All()
	}
	if cfg == nil {
		cfg = &Config{}
	}
	env.Settings = cfg.Settings()
	for _, s := range inv.Subjects {
		// A policy attached twice (directly and through a group) is one grant.
		s.Identity, s.Boundary = uniqueDocs(s.Identity), uniqueDocs(s.Boundary)
	}
	var docChecks, subjChecks []*checks.Check
	for _, c := range list {
		if c.Scope == checks.ScopeDocument {
			docChecks = append(docChecks, c)
		} else {
			subjChecks = append(subjChecks, c)
		}
	}
	// Documents and subjects are independent: check them on every core, keeping the
	// results in input order.
	docOut := make([][]checks.Finding, len(inv.Documents))
	parallel(len(inv.Documents), func(i int) error {
		for _, c := range docChecks {
			docOut[i] = append(docOut[i], c.RunDocument(env, inv.Documents[i])...)
		}
		return nil
	})
	subjOut := make([][]checks.Finding, len(inv.Subjects))
	if err := parallel(len(inv.Subjects), func(i int) error {
		for _, c := range subjChecks {
			fs, err := c.RunSubject(env, inv.Subjects[i])
			if err != nil {
				return err
			}
			subjOut[i] = append(subjOut[i], fs...)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	var all []checks.Finding
	for _, fs := range subjOut {
		all = append(all, fs...)
	}
	for _, fs := range docOut {
		all = append(all, fs...)
	}
	res := &Result{Findings: []checks.Finding{}, Summary: Summary{
		Policies: len(inv.Documents), Skipped: len(inv.Skipped), BySeverity: map[string]int{}, ByCheck: map[string]int{}, Catalog: env.Catalog.Source,
	}}
	for _, s := range inv.Subjects {
		if s.Principal != "" {
			res.Summary.Principals++
		}
	}
	names := map[string]string{} // principal → user or role name, for exclusions by name
	for _, s := range inv.Subjects {
		if s.Principal != "" {
			names[s.Principal] = s.Name
		}
	}
	all = mergeVariants(all)
	for _, f := range all {
		if cfg.excluded(&f, names[f.Principal]) {
			res.Summary.Excluded++
			continue
		}
		if sev, ok := cfg.severity(f.ID); ok {
			f.Severity = sev
		}
		res.Findings = append(res.Findings, f)
		res.Summary.BySeverity[f.Severity.String()]++
		res.Summary.ByCheck[f.ID]++
	}
	checks.SortFindings(res.Findings)
	res.Summary.Findings = len(res.Findings)
	return res, nil
}

// mergeVariants makes one finding of the same finding in several condition combinations of
// a template: it says the combinations that enable it, or none when it holds in every one.
func mergeVariants(fs []checks.Finding) []checks.Finding {
	type key struct {
		id, principal, policy, statement, message, actions string
		loc                                                policy.Location
	}
	at := map[key]int{}
	whens := map[int][]string{}
	out := fs[:0]
	for _, f := range fs {
		if f.Variants() <= 1 {
			out = append(out, f)
			continue
		}
		k := key{f.ID, f.Principal, f.Policy, f.Statement, f.Message, strings.Join(f.Actions, ","), f.Loc}
		i, seen := at[k]
		if !seen {
			i = len(out)
			at[k] = i
			out = append(out, f)
		}
		if !slices.Contains(whens[i], f.When) {
			whens[i] = append(whens[i], f.When)
		}
	}
	for i, ws := range whens {
		if len(ws) >= out[i].Variants() {
			out[i].When = ""
		} else {
			out[i].When = simplifyWhen(ws)
		}
	}
	return out
}

// simplifyWhen names the condition combinations (each "A and not B", every condition
// named) with the shortest conjunction of conditions that holds in exactly those
// combinations, or lists them when none does.
func simplifyWhen(combos []string) string {
	type lit struct {
		name string
		val  bool
	}
	parse := func(c string) map[string]bool {
		a := map[string]bool{}
		for _, p := range strings.Split(c, " and ") {
			name, neg := strings.CutPrefix(p, "not ")
			a[name] = !neg
		}
		return a
	}
	if len(combos) == 0 {
		return ""
	}
	first := parse(combos[0])
	var lits []lit
	for name, v := range first {
		lits = append(lits, lit{name, v})
	}
	sort.Slice(lits, func(i, j int) bool { return lits[i].name < lits[j].name })
	n := len(lits)
	// The combinations of n free conditions: those a conjunction selects must be exactly
	// the given ones.
	want := map[string]bool{}
	for _, c := range combos {
		want[c] = true
	}
	for size := 1; size <= n; size++ {
		for mask := 0; mask < 1<<n; mask++ {
			if bitsSet(mask) != size {
				continue
			}
			count := 0
			for bits := 0; bits < 1<<n; bits++ {
				parts := make([]string, n)
				ok := true
				for i, l := range lits {
					v := bits&(1<<i) != 0
					if mask&(1<<i) != 0 && v != l.val {
						ok = false
					}
					parts[i] = l.name
					if !v {
						parts[i] = "not " + l.name
					}
				}
				if !ok {
					continue
				}
				if !want[strings.Join(parts, " and ")] {
					count = -1
					break
				}
				count++
			}
			if count == len(combos) {
				var parts []string
				for i, l := range lits {
					if mask&(1<<i) != 0 {
						if l.val {
							parts = append(parts, l.name)
						} else {
							parts = append(parts, "not "+l.name)
						}
					}
				}
				return strings.Join(parts, " and ")
			}
		}
	}
	return strings.Join(combos, ", or ")
}

func bitsSet(m int) int {
	n := 0
	for ; m > 0; m &= m - 1 {
		n++
	}
	return n
}

// Select returns the checks named by IDs (case-insensitive); empty means all.
func Select(ids []string) ([]*checks.Check, error) {
	if len(ids) == 0 {
		return checks.All(), nil
	}
	var out []*checks.Check
	var unknown []string
	for _, id := range ids {
		c, ok := checks.ByID(strings.TrimSpace(id))
		if !ok {
			unknown = append(unknown, id)
			continue
		}
		out = append(out, c)
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("unknown check %s (see ec2guard iam checks)", strings.Join(unknown, ", "))
	}
	return out, nil
}

func uniqueDocs(ds []*policy.Document) []*policy.Document {
	seen := make(map[*policy.Document]bool, len(ds))
	out := ds[:0]
	for _, d := range ds {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// parallel calls fn(0..n-1) on GOMAXPROCS workers and returns the first error.
func parallel(n int, fn func(int) error) error {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			if err := fn(i); err != nil {
				return err
			}
		}
		return nil
	}
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}
