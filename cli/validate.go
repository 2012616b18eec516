package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/rules"
)

func newValidateCommand(streams *IO) *cobra.Command {
	var rf ruleFlags
	var strict bool
	cmd := &cobra.Command{
		Use:   "validate -r RULES [--var NAME=VALUE]... [--strict]",
		Short: "Load and check a rule file; run nothing",
		Long: `validate loads a rule file and checks everything without calling AWS: the schema, the
EventBridge patterns (exactly as EventBridge validates them), the kinds each rule judges
(resources:) and its filters (attribute paths, operators and values against the fields of each
of those kinds; the ports, protocols, CIDRs and durations of ingress, exposed, stopped-for; a
filter that cannot judge one of the kinds), actions and their parameters (a notify topic must
be an SNS topic ARN; an action that destroys, ` + strings.Join(actions.Destroying(), ", ") + `, needs
confirm-destroy: true in its rule, and the key on a rule with none is an error), variables,
remediation loops (rules whose actions trigger each other on the same instances), and rules
that can never act (patterns that select only events naming no resource ec2guard acts on,
such as CloudTrail StopInstances).
Every problem is printed as file:line:col: message.

Variables ${var:NAME} are filled from --var NAME=VALUE or the environment variable
EC2GUARD_VAR_NAME.

Warnings (file:line:col: warning: message, on stderr) do not make a file invalid unless
--strict is given: a rule with a mutating action (every action but notify and tell-owner:
start, stop, tag, revoke-ingress, quarantine...; README's actions table says which) whose pattern
admits events of a source that is not AWS's (no "source", or a prefix, anything-but,
wildcard... that lets "mallory.app" through). Anyone allowed events:PutEvents can send such
an event with any detail; ec2guard does not act on one (a skipped record), so pin the source:
source: [aws.ec2].

Exit codes: 0 valid; 2 invalid, or warnings with --strict (or a usage error).`,
		Example: `  ec2guard validate -r examples/seeds.yaml --var topic=arn:aws:sns:us-east-1:123456789012:ops`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := rf.load()
			if err != nil {
				return err
			}
			warnings := rules.ForeignSources(set, actions.Mutating)
			for _, w := range warnings {
				fmt.Fprintf(streams.ErrOut, "%s: warning: %s\n", w.Loc, w.Msg)
			}
			if strict && len(warnings) > 0 {
				return usageError(fmt.Errorf("%s: %d warnings, which --strict makes errors", rf.file, len(warnings)))
			}
			enforced := 0
			for _, r := range set.Rules {
				if r.Mode == "enforce" {
					enforced++
				}
			}
			fmt.Fprintf(streams.Out, "%s: %s valid (%d enforce, %d dry-run)\n", rf.file, counted(len(set.Rules), "rule", "rules"), enforced, len(set.Rules)-enforced)
			for _, r := range set.Rules {
				names := make([]string, len(r.Actions))
				for i, a := range r.Actions {
					names[i] = a.Name
				}
				fmt.Fprintf(streams.Out, "  %-28s %-8s %-10s actions: %s\n", r.Name, r.Mode, counted(len(r.Filters), "filter", "filters"), strings.Join(names, ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&rf.file, "rules", "r", "", "rule file (YAML or JSON)")
	cmd.Flags().StringArrayVar(&rf.vars, "var", nil, "set a rule-file variable, NAME=VALUE (repeatable)")
	cmd.Flags().BoolVar(&strict, "strict", false, "treat warnings as errors (exit 2)")
	return cmd
}
