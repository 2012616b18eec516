package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/source"
)

// controlFlags are scan's flags for the control catalogue.
type controlFlags struct {
	list   string // --controls: all, or IDs
	failOn string // --fail-on: a severity
}

// withControls gives the scan command --controls and --fail-on: with --controls it
// evaluates the controls, after the rules of -r when a rule file is given too.
func withControls(cmd *cobra.Command, f *engineFlags, regions *[]string, allRegions *bool, accounts *[]string, streams *IO) {
	var cf controlFlags
	cmd.Flags().StringVar(&cf.list, "controls", "", "evaluate EC2 controls: all, or IDs (ours or Security Hub's: EC2.8,EC2G-NET-2), comma-separated; with or without -r")
	var toHub bool
	cmd.Flags().BoolVar(&toHub, "to-securityhub", false, "with --controls: send the findings to Security Hub (BatchImportFindings) and close the ones that are fixed")
	cmd.Flags().StringVar(&cf.failOn, "fail-on", "", "with --controls: exit 1 when a resource fails a control of this severity or higher (low, medium, high, critical)")
	if fl := cmd.Flags().Lookup("format"); fl != nil {
		fl.Usage += "; with --controls, control records as json, text (grouped by control) or asff (Security Hub findings)"
	}
	cmd.Use = strings.Replace(cmd.Use, "scan -r RULES", "scan [-r RULES] [--controls all|ID,...] [--fail-on SEVERITY]", 1)
	cmd.Use = strings.Replace(cmd.Use, "[--format json|text]", "[--format json|text|asff]", 1)
	cmd.Long += `

--controls evaluates the EC2 control catalogue (ec2guard controls lists it) over every
resource of the kinds the controls judge, in each region and account: one record per
(control, resource) with time, control, securityhub, cis, prowler, severity, account,
region, kind, resource (the account id for account settings), status (pass, fail, error,
not-applicable) and reason. --format json writes one object per line; text groups them by
control, failures first, with counts; asff writes Security Hub findings (ASFF), a JSON array
of at most 100 per line, as BatchImportFindings takes them (aws securityhub
batch-import-findings --findings). With -r the rules are scanned first (json or text
records), then the controls. Places are listed --parallel at a time by the same scanner as
the rules', in every --account and region. --fail-on SEVERITY exits 1 when a failure
reaches it.

--to-securityhub also sends the findings to Security Hub in each place (BatchImportFindings,
as the account's default product): a passing or out-of-scope resource's finding is imported
archived, an active ec2guard finding of a scanned control whose resource is gone is archived
as passed, and both are marked RESOLVED (BatchUpdateFindings). Findings of controls the scan
did not judge are left alone. A finding Security Hub refuses, or a failed call, exits 1.`
	cmd.Example += `
  ec2guard scan --controls all --format text
  ec2guard scan --controls EC2.8,EC2.13 --fail-on high --all-regions
  ec2guard scan --controls all --format asff > findings.jsonl
  ec2guard scan --controls all --to-securityhub --all-regions`
	rulesScan := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if cf.list == "" {
			if cf.failOn != "" {
				return usageError(errors.New("scan: --fail-on goes with --controls"))
			}
			if toHub {
				return usageError(errors.New("scan: --to-securityhub goes with --controls"))
			}
			return rulesScan(c, args)
		}
		checks, failOn, err := cf.parse()
		if err != nil {
			return err
		}
		switch {
		case f.format == "asff" && f.file != "":
			return usageError(errors.New("scan: --format asff is for control records: drop -r, or use json or text"))
		case f.format != "asff" && f.format != "json" && f.format != "text":
			return usageError(fmt.Errorf("scan: unknown --format %q (want json, text or asff)", f.format))
		}
		var rulesErr error
		if f.file != "" {
			if rulesErr = rulesScan(c, args); exitOf(rulesErr) == ExitUsage {
				return rulesErr
			}
		}
		clients := f.api
		if clients == nil {
			clients = awsapi.New()
			clients.AttemptTimeout, clients.MaxBackoff = f.awsTimeout, f.awsBackoff
			f.assumeRole = cmp.Or(f.assumeRole, os.Getenv("EC2GUARD_ASSUME_ROLE"))
			clients.SetAssumeRole(f.assumeRole)
		}
		parallel, _ := c.Flags().GetInt("parallel")
		if parallel < 1 {
			return usageError(fmt.Errorf("scan: --parallel %d: at least 1", parallel))
		}
		sc, err := controlScanner(c.Context(), clients, *regions, *allRegions, *accounts, f.assumeRole)
		if err != nil {
			return err
		}
		sc.Parallel = parallel
		if terminal(streams.ErrOut) {
			sc.Progress = streams.ErrOut
		}
		cs := &controlScan{scan: sc, checks: checks, now: clock(), keep: toHub}
		st, err := cs.run(c.Context(), f.format, colorOut(streams.Out), streams.Out)
		if err != nil {
			return usageError(fmt.Errorf("scan: %w", err))
		}
		places := st.places
		if toHub {
			if err := sendToSecurityHub(c.Context(), clients, checks, places, st.recs, time.Now(), streams.ErrOut); err != nil {
				return err
			}
		}
		fmt.Fprintf(streams.ErrOut, "ec2guard: scan: %s of %s over %s in %s: %s\n", counted(st.records, "record", "records"),
			counted(len(checks), "control", "controls"), counted(st.resources, "resource", "resources"), counted(len(places), "place", "places"), statusSummary(st.byStatus))
		if failOn > 0 && st.worst >= failOn {
			return exitCode(ExitFindings, fmt.Errorf("a resource fails a control of severity %s (--fail-on %s)", st.worst, failOn))
		}
		return rulesErr
	}
}

func exitOf(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if err != nil {
		return ExitUsage
	}
	return ExitOK
}

// parse reads --controls and --fail-on into compiled checks and a severity (0: none).
func (cf *controlFlags) parse() ([]*controls.Check, controls.Severity, error) {
	cs, err := controls.Select(cf.list)
	if err != nil {
		return nil, 0, usageError(fmt.Errorf("scan: --controls: %w", err))
	}
	var failOn controls.Severity
	if cf.failOn != "" {
		if failOn, err = controls.ParseSeverity(cf.failOn); err != nil {
			return nil, 0, usageError(fmt.Errorf("scan: --fail-on: %w", err))
		}
	}
	checks := make([]*controls.Check, len(cs))
	for i, c := range cs {
		checks[i] = c.MustCompile()
	}
	return checks, failOn, nil
}

// controlScanner is the scanner of the accounts × regions a control scan covers: the regions
// named, all of the account's or the configured one; the accounts named (through role), or
// the credentials' own (asked of STS, so records name it).
func controlScanner(ctx context.Context, clients *awsapi.Clients, regions []string, all bool, accounts []string, role string) (*source.Scanner, error) {
	var err error
	switch {
	case all && len(regions) > 0:
		return nil, usageError(errors.New("scan: --all-regions or --region, not both"))
	case all:
		if regions, err = clients.Regions(ctx); err != nil {
			return nil, usageError(fmt.Errorf("scan: %w", err))
		}
	case len(regions) == 0:
		r, err := clients.DefaultRegion(ctx)
		if err != nil {
			return nil, usageError(fmt.Errorf("scan: %w (--region)", err))
		}
		regions = []string{r}
	}
	if len(accounts) > 0 && role == "" {
		return nil, usageError(errors.New("scan: --account needs --assume-role NAME, the role ec2guard assumes in those accounts"))
	}
	return &source.Scanner{Lister: clients, Regions: regions, Accounts: accounts}, nil
}

// controlScan evaluates checks over the resources a scanner lists.
type controlScan struct {
	scan   *source.Scanner
	checks []*controls.Check
	now    func() time.Time
	keep   bool // keep the records in the stats (--to-securityhub)
}

type controlStats struct {
	records, resources int
	byStatus           map[controls.Status]int
	worst              controls.Severity // of the failures
	recs               []controls.Record // with keep
	places             []resource.Place  // scanned, accounts resolved
}

func (s *controlScan) run(ctx context.Context, format string, colour bool, w io.Writer) (controlStats, error) {
	st := controlStats{byStatus: map[controls.Status]int{}}
	byKind := map[resource.Kind][]*controls.Check{}
	var kinds []resource.Kind
	needs := map[resource.Kind]resource.Needs{}
	for _, k := range s.checks {
		if _, ok := byKind[k.Kind]; !ok {
			kinds = append(kinds, k.Kind)
		}
		byKind[k.Kind] = append(byKind[k.Kind], k)
		needs[k.Kind] |= k.Needs()
	}
	var kept []controls.Record // text and asff write at the end
	enc := json.NewEncoder(w)
	listed, err := s.scan.Each(ctx, kinds, needs, func(r *resource.Resource) error {
		st.resources++
		now := s.now().UTC()
		for _, k := range byKind[r.Kind] {
			rec := k.NewRecord(r, k.Evaluate(r, now), now)
			st.records++
			st.byStatus[rec.Status]++
			if rec.Status == controls.Fail && rec.Severity > st.worst {
				st.worst = rec.Severity
			}
			if format != "json" || s.keep {
				kept = append(kept, rec)
			}
			if format != "json" {
				continue
			}
			if err := enc.Encode(&rec); err != nil {
				return fmt.Errorf("writing records: %w", err)
			}
		}
		return nil
	})
	st.places = listed.Places
	if err != nil {
		return st, err
	}
	// Places are listed concurrently: what is written at the end is in place order, each
	// place's records in the order it listed them.
	slices.SortStableFunc(kept, func(a, b controls.Record) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Region, b.Region))
	})
	if s.keep {
		st.recs = kept
	}
	switch format {
	case "text":
		return st, writeControlText(w, s.checks, kept, colour)
	case "asff":
		return st, writeASFF(w, kept)
	}
	return st, nil
}

// statusOrder puts failures first in text.
var statusOrder = map[controls.Status]int{controls.Fail: 0, controls.Error: 1, controls.Pass: 2, controls.NotApplicable: 3}

// writeControlText writes the records grouped by control (in the catalogue's order), each
// group's failures first, with its counts.
func writeControlText(w io.Writer, checks []*controls.Check, recs []controls.Record, colour bool) error {
	var b []byte
	for _, k := range checks {
		var mine []controls.Record
		counts := map[controls.Status]int{}
		for _, r := range recs {
			if r.Control == k.ID {
				mine = append(mine, r)
				counts[r.Status]++
			}
		}
		slices.SortStableFunc(mine, func(a, b controls.Record) int { return statusOrder[a.Status] - statusOrder[b.Status] })
		sh := ""
		if k.SecurityHub != "" {
			sh = " (" + k.SecurityHub + ")"
		}
		b = fmt.Appendf(b, "%s%s %s: %s — %s\n", k.ID, sh, k.Severity, k.Title, statusSummary(counts))
		for _, r := range mine {
			status := fmt.Sprintf("%-14s", r.Status)
			if colour && r.Status == controls.Fail {
				status = "\x1b[31m" + status + "\x1b[0m"
			}
			b = fmt.Appendf(b, "  %s %-8s %-12s %-15s %-24s %s\n", status, r.Severity, cmp.Or(r.Account, "-"), cmp.Or(r.Region, "-"), r.Resource, r.Reason)
		}
	}
	_, err := w.Write(b)
	return err
}

// writeASFF writes the records as ASFF findings, a JSON array of at most 100 per line (what
// one BatchImportFindings call takes).
func writeASFF(w io.Writer, recs []controls.Record) error {
	const batch = 100
	for i := 0; i < len(recs); i += batch {
		part := recs[i:min(i+batch, len(recs))]
		fs := make([]controls.Finding, len(part))
		for j := range part {
			c, _ := controls.ByID(part[j].Control)
			fs[j] = c.ASFF(&part[j])
		}
		b, err := json.Marshal(fs)
		if err != nil {
			return fmt.Errorf("writing findings: %w", err)
		}
		if _, err := w.Write(append(b, '\n')); err != nil {
			return fmt.Errorf("writing findings: %w", err)
		}
	}
	return nil
}

func statusSummary(counts map[controls.Status]int) string {
	var parts []string
	for _, s := range []controls.Status{controls.Fail, controls.Error, controls.Pass, controls.NotApplicable} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	if len(parts) == 0 {
		return "nothing judged"
	}
	return strings.Join(parts, ", ")
}
