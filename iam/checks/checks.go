// Package checks is the registry of IAM guardrail checks: each check is one value (ID,
// title, severity, rationale, remediation, references, the actions it concerns, good and
// bad examples, and a function) defined in its own file, listed explicitly by All.
// Principal checks ask the shared evaluator (iam/eval) whether access is really granted;
// document checks look at one policy document's hygiene.
package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ec2guard/ec2guard/iam/catalog"
	"github.com/ec2guard/ec2guard/iam/policy"
	"github.com/ec2guard/ec2guard/severity"
)

// Severity ranks findings: the scale package severity defines for checks and controls alike.
type Severity = severity.Level

// Severities, lowest first.
const (
	Low      = severity.Low
	Medium   = severity.Medium
	High     = severity.High
	Critical = severity.Critical
)

// ParseSeverity reads a severity's name, in any case.
func ParseSeverity(name string) (Severity, error) { return severity.Parse(name) }

// Scope says what a check looks at.
type Scope int

const (
	// ScopeDocument checks run once per policy document, whoever holds it.
	ScopeDocument Scope = iota + 1
	// ScopePrincipal checks run once per principal on its effective permissions: all its
	// identity policies (a user's groups' included), bounded by its permissions boundary. A
	// standalone policy document counts as a principal holding only that policy.
	ScopePrincipal
)

// Example is a policy a check must pass (good) or fail (bad); the registry test runs them.
type Example struct {
	Name   string
	Policy string // a JSON policy document
	// Attached are managed policies the principal also holds that the input lacks.
	Attached []string
}

// Check is one guardrail.
type Check struct {
	ID          string
	Title       string
	Severity    Severity
	Scope       Scope
	Rationale   string
	Remediation string
	References  []string
	Actions     []string // the actions it concerns, as the catalog spells them
	Good, Bad   []Example

	document  func(*Env, *Document) []Finding
	principal func(*Env, *Subject) ([]Finding, error)
}

// Settings are the parts of the configuration checks read.
type Settings struct {
	ApprovedAMIs      []string // image IDs (ami-...) RunInstances may use (IAM-EC2-2)
	ApprovedAMIOwners []string // account IDs or aliases ("amazon") whose images are approved
	// Provisioning principals may hold network and security-group rights (IAM-EC2-3/5):
	// ARN or name patterns with * and ? wildcards.
	Provisioning []string
}

// Env is what checks run with.
type Env struct {
	Catalog  *catalog.Catalog
	Settings Settings
}

// Document is one policy document as loaded, with the problems its parsing found.
type Document struct {
	Doc  *policy.Document   // nil when the text is not JSON
	Err  *policy.ParseError // nil when valid
	Name string             // the policy's name for people (file, policy name or ARN)
	Loc  policy.Location    // where the document starts
	// Identity is set for a document known to be an identity policy or a permissions
	// boundary (from an authorization-details dump, a template, the live account or
	// get-*-policy output); a plain policy file may be a resource-based policy.
	Identity bool
	// When and Variants are as in Subject: the template conditions under which the document
	// deploys as analysed.
	When     string
	Variants int
}

// identityLike reports whether IAM's identity-policy grammar applies to the document: it is
// known to be one, or it names no principal (an identity policy or an SCP).
func (d *Document) identityLike() bool {
	if d.Identity {
		return true
	}
	for _, st := range d.Doc.Statements {
		if st.Principal != nil || st.NotPrincipal != nil {
			return false
		}
	}
	return true
}

// Finding is one violation.
type Finding struct {
	ID        string   `json:"id"`
	Severity  Severity `json:"severity"`
	Title     string   `json:"title"`
	Principal string   `json:"principal"`
	Policy    string   `json:"policy"`
	Statement string   `json:"statement"`
	Actions   []string `json:"actions"`
	Resources []string `json:"resources"`
	Message   string   `json:"message"`
	// When names the CloudFormation conditions under which the grant deploys ("IsProd",
	// "not IsProd"); empty when it deploys whatever they are.
	When string `json:"when,omitempty"`
	// Witness is, for a principal check, the request (one per resource the action
	// authorizes) that shows the access is granted.
	Witness  []Witness       `json:"witness,omitempty"`
	Loc      policy.Location `json:"-"`
	variants int
}

// Variants is how many condition combinations of its template the finding's input was
// analysed in (0 or 1: the input has no conditions).
func (f *Finding) Variants() int { return f.variants }

// RunDocument runs a document check; it returns nil for principal checks.
func (c *Check) RunDocument(env *Env, d *Document) []Finding {
	if c.document == nil {
		return nil
	}
	return c.stampWhen(c.document(env, d), d.When, d.Variants)
}

// RunSubject runs a principal check; it returns nil for document checks.
func (c *Check) RunSubject(env *Env, s *Subject) ([]Finding, error) {
	if c.principal == nil {
		return nil, nil
	}
	fs, err := c.principal(env, s)
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", c.ID, s.Label(), err)
	}
	return c.stampWhen(fs, s.When, s.Variants), nil
}

func (c *Check) stampWhen(fs []Finding, when string, variants int) []Finding {
	for i := range fs {
		fs[i].When, fs[i].variants = when, variants
	}
	return c.stamp(fs)
}

func (c *Check) stamp(fs []Finding) []Finding {
	for i := range fs {
		fs[i].ID, fs[i].Title, fs[i].Severity = c.ID, c.Title, c.Severity
		if fs[i].Actions == nil {
			fs[i].Actions = []string{}
		}
		if fs[i].Resources == nil {
			fs[i].Resources = []string{}
		}
	}
	return fs
}

// All returns every check, in ID order. The list is explicit: nothing registers itself.
func All() []*Check {
	return []*Check{
		ec2Terminate, ec2RunImages, ec2Network, ec2Sensitive, ec2SecurityGroups,
		ec2Retag, ec2Stop, ec2ModifyAttribute,
		policyUnknownAction, policyNotAction, policyNotResource, policyMalformed,
		policyDuplicateSid, policySidCharacters, policyIdentityPrincipal, policyMissing,
	}
}

// ByID returns the check with the ID (case-insensitive).
func ByID(id string) (*Check, bool) {
	for _, c := range All() {
		if strings.EqualFold(c.ID, id) {
			return c, true
		}
	}
	return nil, false
}

// SortFindings orders findings by severity (highest first), then check, principal, policy
// and position, so output is stable.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := &fs[i], &fs[j]
		switch {
		case a.Severity != b.Severity:
			return a.Severity > b.Severity
		case a.ID != b.ID:
			return idLess(a.ID, b.ID)
		case a.Principal != b.Principal:
			return a.Principal < b.Principal
		case a.Policy != b.Policy:
			return a.Policy < b.Policy
		case a.Loc.File != b.Loc.File:
			return a.Loc.File < b.Loc.File
		case a.Loc.Line != b.Loc.Line:
			return a.Loc.Line < b.Loc.Line
		}
		return a.Loc.Column < b.Loc.Column
	})
}

// idLess orders IDs with their numbers compared as numbers (IAM-EC2-2 before IAM-EC2-10).
func idLess(a, b string) bool {
	pa, na := splitID(a)
	pb, nb := splitID(b)
	if pa != pb {
		return pa < pb
	}
	return na < nb
}

func splitID(id string) (string, int) {
	i := strings.LastIndexByte(id, '-')
	n := 0
	if _, err := fmt.Sscanf(id[i+1:], "%d", &n); err != nil {
		return id, 0
	}
	return id[:i], n
}
