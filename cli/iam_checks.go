package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/iam/checks"
)

func newIAMChecksCommand(streams *IO) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "checks [--format text|json|markdown]",
		Short: "List the IAM checks iam check runs",
		Long: `checks lists the registry of IAM checks: ID, severity, scope and title (text), every field
(json), or the reference page docs/checks.md is generated from (markdown).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return writeChecks(streams.Out, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json or markdown")
	return cmd
}

func writeChecks(w io.Writer, format string) error {
	all := checks.All()
	switch format {
	case "markdown":
		return checks.Markdown(w, all)
	case "json":
		type jsonCheck struct {
			ID          string           `json:"id"`
			Title       string           `json:"title"`
			Severity    checks.Severity  `json:"severity"`
			Scope       string           `json:"scope"`
			Rationale   string           `json:"rationale"`
			Remediation string           `json:"remediation"`
			References  []string         `json:"references"`
			Actions     []string         `json:"actions"`
			Good        []checks.Example `json:"good_examples"`
			Bad         []checks.Example `json:"bad_examples"`
		}
		out := make([]jsonCheck, len(all))
		for i, c := range all {
			out[i] = jsonCheck{c.ID, c.Title, c.Severity, c.Scope.String(), c.Rationale, c.Remediation, c.References, c.Actions, c.Good, c.Bad}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"checks": out})
	case "text":
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSEVERITY\tSCOPE\tTITLE")
		for _, c := range all {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Severity, c.Scope, c.Title)
		}
		return tw.Flush()
	}
	return usageError(fmt.Errorf("iam checks: unknown --format %q (want %s)", format, strings.Join([]string{"text", "json", "markdown"}, ", ")))
}
