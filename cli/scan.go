package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/source"
)

func newScanCommand(streams *IO) *cobra.Command {
	var f engineFlags
	var regions, accounts []string
	var allRegions bool
	parallel := source.DefaultParallel
	cmd := &cobra.Command{
		Use:   "scan -r RULES [--dry-run] [--region REGION... | --all-regions] [--account ID... --assume-role NAME] [--parallel N] [--format json|text]",
		Short: "Apply the rules to every resource as it is now (pull mode)",
		Long: `scan lists, in each region of each account, every resource of each kind the rules judge
(their resources:, or the kinds their events concern: instances for state changes) and runs
each through the rules a scan can apply to it. A rule on instance state changes sees the
instances in the state it selects (a rule on stopped instances, every stopped instance);
other rules see every resource of their kinds. Each kind is listed page by page, one call
sequence per kind and place, fetching what the rules' filters need (exposure, usage, sharing,
user data, protection) in bulk where AWS allows it. Filters, the ledger, the loop budget and
the blast-radius caps (--max-actions, --max-actions-per-minute) apply as they do to events,
so a first scan of a large fleet acts on at most --max-actions resources and reports the rest
as suppressed — what a rule with terminate, delete-volume or release-address (confirm-destroy:
true) destroys in one run too; try it with --dry-run first.

--account scans an Organization's member accounts through the role --assume-role names there
(the member stack's ec2guard-remediation), and acts there the same way. Places (account and
region pairs) are listed --parallel at a time (default 4); progress is shown on standard error
when it is a terminal.

Rules whose actions need the CloudTrail call itself (tag: the caller of RunInstances, what it
created) are not evaluated; they are named on standard error with why.

One decision record per line on standard output, as handle prints them (JSON, or --format
text for people; event_source ec2guard.scan), naming the resource; a summary on standard
error. --all-regions scans every region enabled for the account. Exit codes: 0 done; 1 an
action failed; 2 usage, rule-file or AWS error.`,
		Example: `  ec2guard scan -r examples/seeds.yaml --var topic=arn:aws:sns:us-east-1:123456789012:ops --dry-run
  ec2guard scan -r examples/resources.yaml --region eu-west-1 --region us-east-1 --dry-run
  ec2guard scan -r rules.yaml --assume-role ec2guard-remediation --account 111122223333,444455556666 --parallel 8`,
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
			if parallel < 1 {
				return usageError(fmt.Errorf("scan: --parallel %d: at least 1", parallel))
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
			sc := &source.Scanner{Lister: clients, Engine: eng, Regions: regions, Accounts: accounts, Parallel: parallel, Now: clock()}
			if terminal(streams.ErrOut) {
				sc.Progress = streams.ErrOut
			}
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
			var skipped []string
			for _, u := range eng.Unscanned() {
				skipped = append(skipped, u.Rule+" ("+u.Why+")")
			}
			if len(skipped) > 0 {
				fmt.Fprintf(streams.ErrOut, "ec2guard: scan: not evaluated: %s\n", strings.Join(skipped, "; "))
			}
			where := strings.Join(regions, ", ")
			if len(regions) > 3 {
				where = fmt.Sprintf("%d regions", len(regions))
			}
			fmt.Fprintf(streams.ErrOut, "ec2guard: scan: %s in %s, %d selected by a rule; %s\n",
				listedSummary(eng.ScanKinds(), st), where, st.Judged, outcomeSummary(counts))
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
	cmd.Flags().IntVar(&parallel, "parallel", source.DefaultParallel, "places (account and region pairs) listed at once")
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

// listedSummary counts what a scan listed, kind by kind, in the order it lists them.
func listedSummary(kinds []resource.Kind, st source.Stats) string {
	if len(kinds) == 0 {
		return "nothing listed (no rule a scan applies)"
	}
	parts := make([]string, 0, len(kinds))
	for _, k := range kinds {
		parts = append(parts, counted(st.Listed[k], kindNoun(k, false), kindNoun(k, true)))
	}
	return strings.Join(parts, ", ")
}

// kindNoun names a kind in a count: "security group", "addresses".
func kindNoun(k resource.Kind, plural bool) string {
	n := strings.ReplaceAll(string(k), "-", " ")
	switch {
	case !plural:
		return n
	case k == resource.Address:
		return "addresses"
	case k == resource.Account:
		return "accounts"
	}
	return n + "s"
}
