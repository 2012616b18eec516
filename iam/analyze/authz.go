package analyze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/ec2guard/ec2guard/iam/checks"
	"github.com/ec2guard/ec2guard/iam/policy"
)

// The parts of get-account-authorization-details output the analysis reads.
type authzDump struct {
	UserDetailList []struct {
		UserName                string
		Arn                     string
		UserPolicyList          []inlinePolicy
		GroupList               []string
		AttachedManagedPolicies []attachedPolicy
		PermissionsBoundary     *permissionsBoundary
	}
	GroupDetailList []struct {
		GroupName               string
		Arn                     string
		GroupPolicyList         []inlinePolicy
		AttachedManagedPolicies []attachedPolicy
	}
	RoleDetailList []struct {
		RoleName                string
		Arn                     string
		RolePolicyList          []inlinePolicy
		AttachedManagedPolicies []attachedPolicy
		PermissionsBoundary     *permissionsBoundary
	}
	Policies []struct {
		PolicyName        string
		Arn               string
		DefaultVersionID  string `json:"DefaultVersionId"`
		PolicyVersionList []struct {
			Document         json.RawMessage
			VersionID        string `json:"VersionId"`
			IsDefaultVersion bool
		}
	}
}

type inlinePolicy struct {
	PolicyName     string
	PolicyDocument json.RawMessage
}

type attachedPolicy struct {
	PolicyName string
	PolicyArn  string
}

type permissionsBoundary struct {
	PermissionsBoundaryArn string
}

// loadAuthorization reads a get-account-authorization-details dump: every managed policy's
// default version and every inline policy is a document; every user and role is a subject
// holding its inline and attached policies (a user's groups' too), bounded by its
// permissions boundary.
func loadAuthorization(name string, src []byte) (*Inventory, error) {
	var dump authzDump
	if err := json.Unmarshal(src, &dump); err != nil {
		return nil, fmt.Errorf("%s: reading the authorization details: %w", name, err)
	}
	inv := &Inventory{}
	ix := newLocator(name, src)
	b := &principalBuilder{inv: inv, managed: map[string]*policy.Document{}, warned: map[string]bool{}, ix: ix}

	for _, p := range dump.Policies {
		for _, v := range p.PolicyVersionList {
			if !v.IsDefaultVersion && v.VersionID != p.DefaultVersionID {
				continue
			}
			name := p.PolicyName
			if name == "" {
				// Some producers (moto among them) leave PolicyName out; the ARN ends with it.
				name = p.Arn[strings.LastIndexByte(p.Arn, '/')+1:]
			}
			d := ix.document(name, v.Document)
			inv.Documents = append(inv.Documents, d)
			if d.Doc != nil {
				b.managed[p.Arn] = d.Doc
			}
			break
		}
	}
	inline := func(owner string, ps []inlinePolicy) []*policy.Document {
		var out []*policy.Document
		for _, p := range ps {
			d := ix.document(owner+":"+p.PolicyName, p.PolicyDocument)
			inv.Documents = append(inv.Documents, d)
			if d.Doc != nil {
				out = append(out, d.Doc)
			}
		}
		return out
	}
	type group struct {
		docs    []*policy.Document
		missing []checks.MissingPolicy
	}
	groups := map[string]group{}
	for _, g := range dump.GroupDetailList {
		docs, missing := b.attached(g.AttachedManagedPolicies)
		groups[g.GroupName] = group{append(inline("group/"+g.GroupName, g.GroupPolicyList), docs...), missing}
	}
	for _, u := range dump.UserDetailList {
		s := &checks.Subject{Principal: u.Arn, Name: u.UserName, Kind: "user"}
		docs, missing := b.attached(u.AttachedManagedPolicies)
		s.Identity, s.Missing = append(inline("user/"+u.UserName, u.UserPolicyList), docs...), missing
		for _, g := range u.GroupList {
			gd, ok := groups[g]
			if !ok {
				b.warn(fmt.Sprintf("%s: group %s of user %s is not in the dump: its policies are not analysed", name, g, u.UserName))
			}
			s.Identity, s.Missing = append(s.Identity, gd.docs...), append(s.Missing, gd.missing...)
		}
		b.bound(s, u.PermissionsBoundary)
		inv.Subjects = append(inv.Subjects, s)
	}
	for _, r := range dump.RoleDetailList {
		s := &checks.Subject{Principal: r.Arn, Name: r.RoleName, Kind: "role"}
		docs, missing := b.attached(r.AttachedManagedPolicies)
		s.Identity, s.Missing = append(inline("role/"+r.RoleName, r.RolePolicyList), docs...), missing
		b.bound(s, r.PermissionsBoundary)
		inv.Subjects = append(inv.Subjects, s)
	}
	sort.Strings(b.warnings)
	inv.Warnings = append(inv.Warnings, b.warnings...)
	return inv, nil
}

type principalBuilder struct {
	inv      *Inventory
	managed  map[string]*policy.Document
	warned   map[string]bool
	warnings []string
	ix       *locator
}

func (b *principalBuilder) warn(msg string) {
	if !b.warned[msg] {
		b.warned[msg] = true
		b.warnings = append(b.warnings, msg)
	}
}

// attached returns the managed policies' documents, and those the dump lacks as missing
// (IAM-POLICY-8; --managed-policies supplies AWS managed ones).
func (b *principalBuilder) attached(ps []attachedPolicy) ([]*policy.Document, []checks.MissingPolicy) {
	var out []*policy.Document
	var missing []checks.MissingPolicy
	for _, p := range ps {
		d, ok := b.managed[p.PolicyArn]
		if !ok {
			missing = append(missing, checks.MissingPolicy{ARN: p.PolicyArn, Loc: b.where(p.PolicyArn)})
			continue
		}
		out = append(out, d)
	}
	return out, missing
}

// bound sets the subject's boundary; one the dump lacks is missing.
func (b *principalBuilder) bound(s *checks.Subject, pb *permissionsBoundary) {
	if pb == nil || pb.PermissionsBoundaryArn == "" {
		return
	}
	d, ok := b.managed[pb.PermissionsBoundaryArn]
	if !ok {
		s.Missing = append(s.Missing, checks.MissingPolicy{ARN: pb.PermissionsBoundaryArn, Boundary: true, Loc: b.where(pb.PermissionsBoundaryArn)})
		return
	}
	s.Boundary = []*policy.Document{d}
}

// where is the first place the dump names an ARN.
func (b *principalBuilder) where(arn string) policy.Location {
	raw, _ := json.Marshal(arn)
	at, _ := b.ix.find(raw)
	return at
}

// locator finds where embedded documents start in their file, so positions point into it.
type locator struct {
	file  string
	src   []byte
	next  map[string]int // for a repeated text, where to look for its next occurrence
	lines []int
}

func newLocator(file string, src []byte) *locator {
	l := &locator{file: file, src: src, next: map[string]int{}, lines: []int{0}}
	for i, c := range src {
		if c == '\n' {
			l.lines = append(l.lines, i+1)
		}
	}
	return l
}

// find returns the position of raw, which json.Unmarshal copied verbatim from the file.
func (l *locator) find(raw []byte) (policy.Location, bool) {
	key := string(raw)
	from := l.next[key]
	i := bytes.Index(l.src[min(from, len(l.src)):], raw)
	if i < 0 {
		if i = bytes.Index(l.src, raw); i < 0 {
			return policy.Location{File: l.file, Line: 1, Column: 1}, false
		}
	} else {
		i += from
	}
	l.next[key] = i + len(raw)
	line := sort.Search(len(l.lines), func(k int) bool { return l.lines[k] > i })
	col := 1 + utf8.RuneCount(l.src[l.lines[line-1]:i])
	return policy.Location{File: l.file, Line: line, Column: col}, true
}

// document parses an embedded policy document: a JSON object (the CLI's output) or a
// URL-encoded JSON string (the API's).
func (l *locator) document(name string, raw json.RawMessage) *checks.Document {
	at, _ := l.find(raw)
	if len(raw) == 0 || string(raw) == "null" {
		d := &checks.Document{Name: name, Loc: at, Err: &policy.ParseError{Issues: []policy.Issue{{Loc: at, Msg: "policy document is missing"}}}}
		return d
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			if dec, err := url.PathUnescape(s); err == nil {
				s = dec
			}
			d := parseDocument(l.file, name, []byte(s))
			pin(d, at)
			d.Identity = true
			return d
		}
	}
	d := parseDocument(l.file, name, raw)
	shift(d, at)
	d.Identity = true
	return d
}

func docs(ds ...*checks.Document) []*checks.Document   { return ds }
func subjects(ss ...*checks.Subject) []*checks.Subject { return ss }
