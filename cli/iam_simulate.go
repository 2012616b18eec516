package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/iam/catalog"
	"github.com/ec2guard/ec2guard/iam/eval"
	"github.com/ec2guard/ec2guard/iam/policy"
)

type simulateFlags struct {
	policies, scps, contexts            []string
	boundary, session, resourcePolicy   string
	action, resource, principal, format string
}

func newIAMSimulateCommand(streams *IO) *cobra.Command {
	var f simulateFlags
	cmd := &cobra.Command{
		Use:   "simulate --policy FILE... --action ACTION --resource ARN [--principal ARN] [--context KEY=VALUE]... [--format text|json]",
		Short: "Decide one request against IAM policies, offline, and explain the decision",
		Long: `simulate evaluates one request the way AWS does within one account: an explicit Deny in
any policy wins; every SCP (each --scp is one level of the organization) must allow; an Allow
in the resource-based policy grants on its own; otherwise an identity-based policy must allow
and, when given, the permissions boundary and the session policy must allow too.

--context KEY=VALUE sets a condition key; a key given several times is multi-valued. With
--principal, aws:PrincipalArn, aws:PrincipalAccount and (for IAM users) aws:username are set
from the ARN unless --context gives them; for a role session
(arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION) aws:PrincipalArn is the role's ARN, as in AWS
(give it with --context for a role with a path). A resource-based policy that names the role
applies to its sessions. Keys the request does not carry are absent, as in
AWS: StringEquals on them is false, negated operators and ...IfExists are true.

The request is checked first: an action the catalog of IAM actions does not know (a typo:
"did you mean" names the nearest real one), a resource that is neither * nor an ARN and a
principal that is not an IAM or STS ARN are errors, not an implicit deny.

Exit codes: 0 the simulation ran, whatever the decision (read it from the output);
2 a policy file cannot be read or is invalid, the request is not one AWS would evaluate,
or a flag is wrong.`,
		Example: `  ec2guard iam simulate --policy bob.json --action ec2:StopInstances \
    --resource arn:aws:ec2:us-east-1:111122223333:instance/i-0abc \
    --principal arn:aws:iam::111122223333:user/Bob \
    --context aws:userid=AIDAJ7EQQEKFAVPO3NTQG --context ec2:ResourceTag/PrincipalId=AIDAJ7EQQEKFAVPO3NTQG`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSimulate(streams.Out, &f)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.policies, "policy", nil, "identity-based policy file (repeatable)")
	fl.StringVar(&f.boundary, "boundary", "", "permissions boundary policy file")
	fl.StringArrayVar(&f.scps, "scp", nil, "service control policy file, one per organization level (repeatable)")
	fl.StringVar(&f.session, "session-policy", "", "session policy file")
	fl.StringVar(&f.resourcePolicy, "resource-policy", "", "resource-based policy file")
	fl.StringVar(&f.action, "action", "", "the action, e.g. ec2:StopInstances (required)")
	fl.StringVar(&f.resource, "resource", "", "the resource ARN, or * (required)")
	fl.StringVar(&f.principal, "principal", "", "the caller's ARN")
	fl.StringArrayVar(&f.contexts, "context", nil, "condition key KEY=VALUE (repeatable; repeat a key for several values)")
	fl.StringVar(&f.format, "format", "text", "output format: text or json")
	return cmd
}

func runSimulate(out io.Writer, f *simulateFlags) error {
	if f.action == "" || f.resource == "" {
		return usageError(errors.New("iam simulate: --action and --resource are required"))
	}
	if len(f.policies) == 0 && f.resourcePolicy == "" {
		return usageError(errors.New("iam simulate: give at least one --policy or a --resource-policy"))
	}
	if f.format != "text" && f.format != "json" {
		return usageError(fmt.Errorf("iam simulate: unknown --format %q (text or json)", f.format))
	}
	if err := checkRequest(f); err != nil {
		return usageError(fmt.Errorf("iam simulate: %w", err))
	}
	var set eval.PolicySet
	var err error
	load := func(dst *[]*policy.Document, files ...string) {
		for _, file := range files {
			if file == "" || err != nil {
				continue
			}
			var doc *policy.Document
			if doc, err = loadPolicy(file); err == nil {
				*dst = append(*dst, doc)
			}
		}
	}
	load(&set.Identity, f.policies...)
	load(&set.Boundary, f.boundary)
	load(&set.SCP, f.scps...)
	load(&set.Session, f.session)
	load(&set.Resource, f.resourcePolicy)
	if err != nil {
		return usageError(err)
	}
	ctx, err := parseContext(f.contexts)
	if err != nil {
		return usageError(err)
	}
	if f.principal != "" {
		ctx = eval.PrincipalKeys(ctx, f.principal)
	}
	ev, err := eval.Compile(set)
	if err != nil {
		return usageError(fmt.Errorf("iam simulate: %w", err))
	}
	req := eval.Request{Principal: f.principal, Action: f.action, Resource: f.resource, Context: ctx}
	d := ev.Evaluate(req)
	if f.format == "json" {
		return writeSimulateJSON(out, d)
	}
	writeSimulateText(out, req, d)
	return nil
}

// checkRequest refuses a request AWS would never evaluate, which would otherwise only be
// denied by default: an action that does not exist (a typo of one that does), a resource
// or a principal that is not an ARN.
func checkRequest(f *simulateFlags) error {
	svc, name, ok := strings.Cut(f.action, ":")
	if !ok || svc == "" || name == "" {
		return fmt.Errorf("--action %q is not of the form service:Action", f.action)
	}
	if strings.ContainsAny(f.action, "*?") {
		return fmt.Errorf("--action %q: a request names one action, without wildcards", f.action)
	}
	cat, err := catalog.Load()
	if err != nil {
		return err
	}
	if _, known := cat.Action(f.action); !known {
		msg := fmt.Sprintf("unknown action %s", f.action)
		if _, ok := cat.Service(svc); !ok {
			msg = fmt.Sprintf("unknown action %s: no service has the prefix %q", f.action, svc)
		}
		if near, ok := cat.Nearest(f.action); ok {
			msg += fmt.Sprintf(" (did you mean %s?)", near)
		}
		return errors.New(msg)
	}
	if f.resource != "*" {
		if err := checkARN(f.resource); err != nil {
			return fmt.Errorf("--resource: %w", err)
		}
	}
	if f.principal != "" {
		if err := checkARN(f.principal); err != nil {
			return fmt.Errorf("--principal: %w (want an IAM or STS ARN, e.g. arn:aws:iam::111122223333:user/Bob)", err)
		}
		if svc := strings.Split(f.principal, ":")[2]; svc != "iam" && svc != "sts" {
			return fmt.Errorf("--principal %q is not an IAM or STS ARN (want e.g. arn:aws:iam::111122223333:user/Bob)", f.principal)
		}
	}
	return nil
}

// checkARN checks the shape of an ARN: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, with a
// partition, a service and a resource (the region and the account are empty for some).
func checkARN(s string) error {
	p := strings.SplitN(s, ":", 6)
	switch {
	case len(p) < 6 || p[0] != "arn":
		return fmt.Errorf("%q is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)", s)
	case !strings.HasPrefix(p[1], "aws"):
		return fmt.Errorf("%q is not an ARN: partition %q is not aws, aws-cn, aws-us-gov...", s, p[1])
	case p[2] == "" || p[5] == "":
		return fmt.Errorf("%q is not an ARN: it has no service or no resource", s)
	case p[4] != "" && p[4] != "aws" && !isAccountID(p[4]):
		return fmt.Errorf("%q is not an ARN: account %q is not 12 digits", s, p[4])
	}
	return nil
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func loadPolicy(file string) (*policy.Document, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading policy: %w", err)
	}
	doc, err := policy.Parse(file, src)
	if err != nil {
		return nil, fmt.Errorf("invalid policy:\n%w", err)
	}
	return doc, nil
}

func parseContext(kvs []string) (eval.Context, error) {
	ctx := eval.Context{}
	canon := map[string]string{} // lower-case key → the spelling first given
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("iam simulate: --context %q is not KEY=VALUE", kv)
		}
		lk := strings.ToLower(k)
		if first, seen := canon[lk]; seen {
			k = first
		} else {
			canon[lk] = k
		}
		ctx[k] = append(ctx[k], v)
	}
	return ctx, nil
}

type simulateStatementJSON struct {
	Layer  string `json:"layer"`
	Policy string `json:"policy"`
	Sid    string `json:"sid,omitempty"`
	Index  int    `json:"index"`
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

func writeSimulateJSON(out io.Writer, d eval.Decision) error {
	res := struct {
		Decision   string                  `json:"decision"`
		Missing    string                  `json:"missing,omitempty"`
		Statements []simulateStatementJSON `json:"statements"`
	}{Decision: d.Effect.String(), Statements: []simulateStatementJSON{}}
	if d.Effect == eval.ImplicitDeny {
		res.Missing = d.Missing.String()
	}
	for _, s := range d.Deciding {
		res.Statements = append(res.Statements, simulateStatementJSON{
			Layer: s.Layer.String(), Policy: s.Policy, Sid: s.Sid, Index: s.Index,
			File: s.Loc.File, Line: s.Loc.Line, Column: s.Loc.Column,
		})
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		return fmt.Errorf("writing result: %w", err)
	}
	return nil
}

func writeSimulateText(out io.Writer, req eval.Request, d eval.Decision) {
	who := "the caller"
	if req.Principal != "" {
		who = req.Principal
	}
	fmt.Fprintf(out, "Decision: %s\n", strings.ToUpper(d.Effect.String()))
	fmt.Fprintf(out, "Request: %s calls %s on %s\n", who, req.Action, req.Resource)
	stmt := func(s eval.StatementRef) string {
		name := fmt.Sprintf("statement #%d", s.Index)
		if s.Sid != "" {
			name = fmt.Sprintf("statement %q", s.Sid)
		}
		return fmt.Sprintf("  - %s of %s %s (%s)", name, s.Layer, s.Policy, s.Loc)
	}
	switch d.Effect {
	case eval.ExplicitDeny:
		fmt.Fprintln(out, "Why: an explicit Deny applies, and a Deny overrides every Allow:")
	case eval.Allowed:
		if d.ViaResource {
			fmt.Fprintln(out, "Why: the resource-based policy allows this caller, which grants access within the account on its own; allowed by:")
		} else {
			fmt.Fprintln(out, "Why: no Deny applies and every required policy allows it; allowed by:")
		}
	case eval.ImplicitDeny:
		fmt.Fprintf(out, "Why: no statement of the %s allows this request (with its conditions), so it is denied by default.\n", d.Missing)
	}
	for _, s := range d.Deciding {
		fmt.Fprintln(out, stmt(s))
	}
	if len(req.Context) > 0 {
		fmt.Fprintln(out, "Context:")
		for _, k := range slices.Sorted(maps.Keys(req.Context)) {
			fmt.Fprintf(out, "  %s = %s\n", k, strings.Join(req.Context[k], ", "))
		}
	}
}
