package checks

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/ec2guard/ec2guard/iam/catalog"
	"github.com/ec2guard/ec2guard/iam/policy"
)

func testEnv(t testing.TB) *Env {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return &Env{Catalog: c}
}

// runCheck runs one check on policy documents held by one principal (a user when principal
// is set, else a standalone policy); boundary, when not "", is its permissions boundary.
func runCheck(t testing.TB, env *Env, c *Check, principal, boundary string, docs ...string) []Finding {
	t.Helper()
	s := &Subject{Principal: principal, Name: "example", Kind: "user"}
	var out []Finding
	for i, src := range docs {
		d := load(t, "p"+string(rune('0'+i))+".json", src)
		d.Identity = true // the principal holds it as an identity policy
		out = append(out, c.RunDocument(env, d)...)
		if d.Doc != nil {
			s.Identity = append(s.Identity, d.Doc)
		}
	}
	if boundary != "" {
		d := load(t, "boundary.json", boundary)
		s.Boundary = append(s.Boundary, d.Doc)
	}
	fs, err := c.RunSubject(env, s)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, fs...)
}

// runExample runs a check on a registry example, held by a user with the example's
// attached policies missing.
func runExample(t testing.TB, env *Env, c *Check, ex Example) []Finding {
	t.Helper()
	d := load(t, "p0.json", ex.Policy)
	d.Identity = true
	out := c.RunDocument(env, d)
	s := &Subject{Principal: "arn:aws:iam::111122223333:user/example", Name: "example", Kind: "user"}
	if d.Doc != nil {
		s.Identity = []*policy.Document{d.Doc}
	}
	for _, a := range ex.Attached {
		s.Missing = append(s.Missing, MissingPolicy{ARN: a})
	}
	fs, err := c.RunSubject(env, s)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, fs...)
}

func load(t testing.TB, name, src string) *Document {
	t.Helper()
	doc, err := policy.Parse(name, []byte(src))
	d := &Document{Doc: doc, Name: name}
	var pe *policy.ParseError
	if errors.As(err, &pe) {
		d.Err = pe
	} else if err != nil {
		t.Fatal(err)
	}
	return d
}

var wantIDs = []string{
	"IAM-EC2-1", "IAM-EC2-2", "IAM-EC2-3", "IAM-EC2-4", "IAM-EC2-5", "IAM-EC2-6", "IAM-EC2-7", "IAM-EC2-8",
	"IAM-POLICY-1", "IAM-POLICY-2", "IAM-POLICY-3", "IAM-POLICY-4", "IAM-POLICY-5", "IAM-POLICY-6", "IAM-POLICY-7", "IAM-POLICY-8",
}

// TestRegistry walks the whole registry: the exact IDs, every field documented, every
// action real, every good example passes and every bad one fails.
func TestRegistry(t *testing.T) {
	env := testEnv(t)
	all := All()
	if len(all) != len(wantIDs) {
		t.Fatalf("%d checks, want %d", len(all), len(wantIDs))
	}
	seen := map[string]bool{}
	for i, c := range all {
		if c.ID != wantIDs[i] {
			t.Errorf("check %d is %s, want %s", i, c.ID, wantIDs[i])
		}
		if seen[c.ID] {
			t.Errorf("duplicate ID %s", c.ID)
		}
		seen[c.ID] = true
		if c.Title == "" || c.Rationale == "" || c.Remediation == "" || len(c.References) == 0 || c.Actions == nil {
			t.Errorf("%s is not fully documented", c.ID)
		}
		if c.Severity < Low || c.Severity > Critical {
			t.Errorf("%s: severity %v", c.ID, c.Severity)
		}
		if (c.Scope == ScopeDocument) != (c.document != nil) || (c.Scope == ScopePrincipal) != (c.principal != nil) {
			t.Errorf("%s: scope and function disagree", c.ID)
		}
		for _, r := range c.References {
			if !regexp.MustCompile(`^https://\S+$`).MatchString(r) {
				t.Errorf("%s: reference %q", c.ID, r)
			}
		}
		for _, a := range c.Actions {
			if _, ok := env.Catalog.Action(a); !ok && a != "*" {
				t.Errorf("%s: action %s is not in the catalog", c.ID, a)
			}
		}
		if len(c.Good) == 0 || len(c.Bad) == 0 {
			t.Errorf("%s needs good and bad examples", c.ID)
		}
		for _, ex := range c.Good {
			if fs := runExample(t, env, c, ex); len(fs) != 0 {
				t.Errorf("%s good example %q fails: %+v", c.ID, ex.Name, fs)
			}
		}
		for _, ex := range c.Bad {
			if fs := runExample(t, env, c, ex); len(fs) == 0 {
				t.Errorf("%s bad example %q passes", c.ID, ex.Name)
			}
		}
		if got, ok := ByID(c.ID); !ok || got != c {
			t.Errorf("ByID(%s)", c.ID)
		}
	}
}

// TestDocsCurrent fails when docs/checks.md drifts from the registry.
func TestDocsCurrent(t *testing.T) {
	var b bytes.Buffer
	if err := Markdown(&b, All()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "docs", "checks.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Fatal("docs/checks.md is stale: run go generate ./iam/checks")
	}
}

func TestSeverity(t *testing.T) {
	for _, name := range []string{"low", "Medium", "HIGH", "critical"} {
		s, err := ParseSeverity(name)
		if err != nil {
			t.Fatal(err)
		}
		var back Severity
		txt, _ := s.MarshalText()
		if err := back.UnmarshalText(txt); err != nil || back != s {
			t.Errorf("%s round trip: %v %v", name, back, err)
		}
	}
	if _, err := ParseSeverity("severe"); err == nil {
		t.Error("severe accepted")
	}
}

func TestSortFindings(t *testing.T) {
	fs := []Finding{{ID: "IAM-EC2-10", Severity: High}, {ID: "IAM-POLICY-1", Severity: Low}, {ID: "IAM-EC2-2", Severity: High}, {ID: "IAM-EC2-6", Severity: Critical}}
	SortFindings(fs)
	var got []string
	for _, f := range fs {
		got = append(got, f.ID)
	}
	want := []string{"IAM-EC2-6", "IAM-EC2-2", "IAM-EC2-10", "IAM-POLICY-1"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}

// tcase is one row of a check's table test.
type tcase struct {
	name      string
	docs      []string // the principal's identity policies
	boundary  string
	settings  Settings
	principal string
	want      []string // the actions each finding lists, joined by ","; nil: no finding
}

func pol(stmts ...string) string {
	out := `{"Version":"2012-10-17","Statement":[`
	for i, s := range stmts {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out + "]}"
}

func runTable(t *testing.T, c *Check, cases []tcase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv(t)
			env.Settings = tc.settings
			fs := runCheck(t, env, c, tc.principal, tc.boundary, tc.docs...)
			var got []string
			for _, f := range fs {
				if f.ID != c.ID {
					t.Errorf("finding stamped %s", f.ID)
				}
				got = append(got, join(f.Actions))
			}
			if len(got) != len(tc.want) {
				t.Fatalf("findings %q, want %q (%+v)", got, tc.want, fs)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("finding %d actions %q, want %q", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}
