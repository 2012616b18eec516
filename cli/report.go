package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/report"
)

// reportNow is the report's clock (its "made on" line); tests set it.
var reportNow = time.Now

type reportOptions struct {
	scans, decisions []string
	iam, out, format string
	// --live: the controls scanned here and now
	live       bool
	controls   string
	regions    []string
	allRegions bool
	awsBackoff time.Duration
}

func newReportCommand(streams *IO) *cobra.Command {
	var o reportOptions
	cmd := &cobra.Command{
		Use:   "report [--scan FILE... | --live [--controls IDS] [--region R... | --all-regions]] [--decisions FILE...] [--iam FILE] [-o report.html] [--format html|markdown]",
		Short: "The posture as one offline HTML page, or a Markdown summary",
		Long: `report reads what ec2guard wrote and shows the posture:

  --scan FILE       control records (of scan --controls --format json), one per line; the
                    latest verdict per control and resource counts, so scans may be concatenated
  --decisions FILE  decision records of handle, serve or scan (one per line): remediations by
                    day and outcome
  --iam FILE        the output of iam check --format json: findings by check and principal,
                    with their witness where a finding carries one
  --live            scan the controls here and now instead of --scan (as scan --controls
                    does: --controls all by default, --region R... or --all-regions)

Each flag may be repeated (except --iam) and "-" reads standard input. At least one is needed.

--format html (the default) writes one self-contained page: styles, script and data inline,
a content security policy that allows no request, tables and SVG charts readable without
JavaScript (the script only sorts and filters). It shows the posture per control, per
account and region and per owner (the records' owner field, the Owner tag), the failing
resources with reason, owner and pending action, remediations over time and IAM findings.
--format markdown writes a short summary for pull requests and chat.

-o FILE writes there (default: standard output). Exit codes: 0 written; 2 a bad flag or an
input that cannot be read (the file and line are named).`,
		Example: `  ec2guard iam check --format json examples/iam/ > iam.json
  ec2guard report --scan examples/report/scan.ndjson --decisions examples/report/decisions.ndjson --iam iam.json -o report.html
  ec2guard report --scan examples/report/scan.ndjson --format markdown
  ec2guard report --live --all-regions --decisions decisions.ndjson -o report.html`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReport(cmd.Context(), o, streams)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&o.scans, "scan", nil, "control records (NDJSON) of scan --controls; repeatable; - for stdin")
	fl.StringArrayVar(&o.decisions, "decisions", nil, "decision records (NDJSON); repeatable; - for stdin")
	fl.StringVar(&o.iam, "iam", "", "iam check --format json output")
	fl.StringVarP(&o.out, "output", "o", "-", "the file to write; - for standard output")
	fl.StringVar(&o.format, "format", "html", "html or markdown")
	fl.BoolVar(&o.live, "live", false, "scan the controls now (AWS configuration applies) instead of reading --scan")
	fl.StringVar(&o.controls, "controls", "all", "with --live: the controls to scan (all, or IDs)")
	fl.StringArrayVar(&o.regions, "region", nil, "with --live: a region to scan; repeatable (default: the configured one)")
	fl.BoolVar(&o.allRegions, "all-regions", false, "with --live: scan every region enabled for the account")
	fl.DurationVar(&o.awsBackoff, "aws-max-backoff", 20*time.Second, "with --live: longest pause between retries of a failed AWS call")
	return cmd
}

func runReport(ctx context.Context, o reportOptions, streams *IO) error {
	if o.format != "html" && o.format != "markdown" {
		return usageError(fmt.Errorf("report: --format %q: html or markdown", o.format))
	}
	if len(o.scans)+len(o.decisions) == 0 && o.iam == "" && !o.live {
		return usageError(errors.New("report: nothing to report: give --scan, --live, --decisions or --iam"))
	}
	if o.live && len(o.scans) > 0 {
		return usageError(errors.New("report: --live or --scan, not both"))
	}
	stdin := 0
	for _, f := range append(append([]string{o.iam}, o.scans...), o.decisions...) {
		if f == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usageError(errors.New("report: standard input (-) can be read once"))
	}
	in := report.Input{Generated: reportNow()}
	for _, f := range o.scans {
		cs, err := readInput(f, streams, report.ReadControls)
		if err != nil {
			return usageError(fmt.Errorf("report: --scan: %w", err))
		}
		in.Controls = append(in.Controls, cs...)
	}
	if o.live {
		recs, err := liveControls(ctx, o)
		if err != nil {
			return err
		}
		in.Controls = recs
	}
	for i := range in.Controls {
		// The records name a control; its title is the catalogue's.
		if c := &in.Controls[i]; c.Title == "" {
			if ctl, ok := controls.ByID(c.Control); ok {
				c.Title = ctl.Title
			}
		}
	}
	for _, f := range o.decisions {
		ds, err := readInput(f, streams, report.ReadDecisions)
		if err != nil {
			return usageError(fmt.Errorf("report: --decisions: %w", err))
		}
		in.Decisions = append(in.Decisions, ds...)
	}
	if o.iam != "" {
		fs, err := readInput(o.iam, streams, report.ReadIAM)
		if err != nil {
			return usageError(fmt.Errorf("report: --iam: %w", err))
		}
		in.IAM = fs
	}
	p := report.Build(in)
	var b bytes.Buffer
	write := report.HTML
	if o.format == "markdown" {
		write = report.Markdown
	}
	if err := write(&b, p); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if o.out == "-" {
		if _, err := streams.Out.Write(b.Bytes()); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		return nil
	}
	if err := os.WriteFile(o.out, b.Bytes(), 0o644); err != nil {
		return usageError(fmt.Errorf("report: %w", err))
	}
	fmt.Fprintf(streams.ErrOut, "ec2guard: report: %s: %d control records (%d fail), %d decisions, %d IAM findings\n",
		o.out, p.Records, p.Totals.Fail, p.Decisions, len(p.IAM))
	return nil
}

// readInput reads one input file (- for standard input) with read.
func readInput[T any](name string, streams *IO, read func(io.Reader, string) ([]T, error)) ([]T, error) {
	if name == "-" {
		return read(streams.In, "standard input")
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return read(f, name)
}

// liveControls scans the controls --controls names over the places --region and
// --all-regions name, as scan --controls does, and returns the records as report reads them.
func liveControls(ctx context.Context, o reportOptions) ([]report.Control, error) {
	cf := controlFlags{list: o.controls}
	checks, _, err := cf.parse()
	if err != nil {
		return nil, err
	}
	clients := awsapi.New()
	clients.MaxBackoff = o.awsBackoff
	sc, err := controlScanner(ctx, clients, o.regions, o.allRegions, nil, "")
	if err != nil {
		return nil, err
	}
	cs := &controlScan{scan: sc, checks: checks, now: time.Now, keep: true}
	st, err := cs.run(ctx, "", false, io.Discard) // format "": the records kept, none written
	if err != nil {
		return nil, usageError(fmt.Errorf("report: --live: %w", err))
	}
	out := make([]report.Control, len(st.recs))
	for i, r := range st.recs {
		out[i] = report.Control{Time: r.Time, Control: r.Control, SecurityHub: r.SecurityHub, CIS: r.CIS, Prowler: r.Prowler,
			Severity: r.Severity.String(), Account: r.Account, Region: r.Region, Kind: r.Kind, Resource: r.Resource,
			Status: string(r.Status), Reason: r.Reason, Action: r.Action, Outcome: r.Outcome, Owner: r.Owner, Title: r.Title}
	}
	return out, nil
}
