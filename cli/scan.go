package cli

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/source"
)

func newScanCommand(streams *IO) *cobra.Command {
	var f engineFlags
	var regions, accounts []string
	var allRegions bool
	cmd := &cobra.Command{
		Use:   "scan -r RULES [--dry-run] [--region REGION... | --all-regions] [--account ID... --assume-role NAME] [--format json|text]",
		Short: "Apply the rules to the instances as they are now (pull mode)",
		Long: `scan lists the instances of each region (terminated ones aside) and runs the rules on each as if
EventBridge had just sent its "EC2 Instance State-change Notification" for the state it is in:
a rule selecting stopped instances sees every stopped instance, one selecting running
instances every running one. Filters, check-before-act (every matched instance is read again
just before its filters), the ledger, the loop budget and the blast-radius caps
(--max-actions, --max-actions-per-minute) apply as they do to events, so a first scan of a
large fleet acts on at most --max-actions instances and reports the rest as suppressed.

--account scans an Organization's member accounts through the role --assume-role names there
(the member stack's ec2guard-remediation), and acts there the same way.

Rules that select CloudTrail API calls (auto-tagging: the caller of RunInstances) need the
call itself and are not evaluated; they are named on standard error.

One decision record per line on standard output, as handle prints them (JSON, or --format
text for people); a summary on standard error. --all-regions scans every region enabled for
the account. Exit codes: 0 done; 1 an action failed; 2 usage, rule-file or AWS error.`,
		Example: `  ec2guard scan -r examples/seeds.yaml --var topic=arn:aws:sns:us-east-1:123456789012:ops --dry-run
  ec2guard scan -r rules.yaml --region eu-west-1 --region us-east-1
  ec2guard scan -r rules.yaml --assume-role ec2guard-remediation --account 111122223333,444455556666`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			eng, closeFn, err := f.build(streams.ErrOut)
			if err != nil {
				return err
			}
			defer closeFn()
			clients := f.api // the engine's own: same configuration, timeouts and role
			if allRegions {
				if len(regions) > 0 {
					return usageError(errors.New("scan: --all-regions or --region, not both"))
				}
				if regions, err = clients.Regions(cmd.Context()); err != nil {
					return usageError(fmt.Errorf("scan: %w", err))
				}
			}
			if len(regions) == 0 {
				r, err := clients.DefaultRegion(cmd.Context())
				if err != nil {
					return usageError(fmt.Errorf("scan: %w (--region)", err))
				}
				regions = []string{r}
			}
			text, err := recordFormat(f.format)
			if err != nil {
				return err
			}
			colour := text && colorOut(streams.Out)
			var rec []byte
			failed := 0
			counts := map[engine.Outcome]int{}
			if len(accounts) > 0 {
				if f.assumeRole == "" { // build took EC2GUARD_ASSUME_ROLE too, and set it on clients
					return usageError(errors.New("scan: --account needs --assume-role NAME, the role ec2guard assumes in those accounts"))
				}
			}
			sc := &source.Scanner{Lister: clients, Handler: eng, Regions: regions, Accounts: accounts}
			st, err := sc.Run(cmd.Context(), func(ds []engine.Decision) error {
				for _, d := range ds {
					counts[d.Outcome]++
					if d.Outcome == engine.Failed {
						failed++
					}
					if text {
						rec = appendText(rec[:0], d, colour)
					} else {
						rec = appendRecord(rec[:0], d)
					}
					if _, err := streams.Out.Write(rec); err != nil {
						return fmt.Errorf("writing decisions: %w", err)
					}
				}
				return nil
			})
			if err != nil {
				return usageError(fmt.Errorf("scan: %w", err))
			}
			set := eng.Rules()
			applicable, err := source.ScanRules(set.Matcher, st.Places)
			if err != nil {
				return fmt.Errorf("scan: %w", err)
			}
			var skipped []string
			for i, r := range set.Rules {
				if !slices.Contains(applicable, i) {
					skipped = append(skipped, r.Name)
				}
			}
			if len(skipped) > 0 {
				fmt.Fprintf(streams.ErrOut, "ec2guard: scan: not evaluated (these rules select events a scan cannot reconstruct, such as CloudTrail API calls, or other regions or accounts): %s\n", strings.Join(skipped, ", "))
			}
			where := strings.Join(regions, ", ")
			if len(regions) > 3 {
				where = fmt.Sprintf("%d regions", len(regions))
			}
			fmt.Fprintf(streams.ErrOut, "ec2guard: scan: %s in %s, %d selected by a rule; %s\n",
				counted(st.Instances, "instance", "instances"), where, st.Matched, outcomeSummary(counts))
			if failed > 0 {
				return exitCode(ExitFindings, fmt.Errorf("%s (see the failed records)", counted(failed, "action failed", "actions failed")))
			}
			return nil
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&f.format, "format", "json", "decision records as json (one object per line) or text (aligned, for people)")
	cmd.Flags().StringSliceVar(&regions, "region", nil, "region to scan (repeatable or comma-separated; default: the configured region)")
	cmd.Flags().BoolVar(&allRegions, "all-regions", false, "scan every region enabled for the account (DescribeRegions)")
	cmd.Flags().StringSliceVar(&accounts, "account", nil, "account to scan through --assume-role (repeatable or comma-separated; default: the account of the credentials)")
	withControls(cmd, &f, &regions, &allRegions, &accounts, streams)
	return cmd
}

func outcomeSummary(counts map[engine.Outcome]int) string {
	var parts []string
	for _, o := range []engine.Outcome{engine.Applied, engine.DryRun, engine.Skipped, engine.Duplicate, engine.Suppressed, engine.Failed} {
		if counts[o] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[o], o))
		}
	}
	if len(parts) == 0 {
		return "no decisions"
	}
	return "decisions: " + strings.Join(parts, ", ")
}
