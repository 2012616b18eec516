package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/controls"
)

func newControlsCommand(streams *IO) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "controls [--format text|json|markdown]",
		Short: "List the EC2 controls scan --controls evaluates",
		Long: `controls lists the EC2 control catalogue: Security Hub's EC2 controls, CIS AWS Foundations'
EC2 items and Prowler's EC2 checks as ec2guard controls. text gives ID, Security Hub ID,
severity, kind and title; json every field (the filters that find a failing resource, the
events' EventBridge pattern, parameters and their defaults, remediation actions); markdown
the reference page docs/controls.md is generated from.

scan --controls takes our IDs or Security Hub IDs; a rule file's "- control: ID" applies one.`,
		Example: `  ec2guard controls
  ec2guard controls --format json | jq '.controls[] | select(.securityhub == "EC2.8")'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return writeControls(streams.Out, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, json or markdown")
	return cmd
}

type jsonParam struct {
	Name    string `json:"name"`
	AWSName string `json:"securityhub_name,omitempty"`
	Doc     string `json:"doc"`
	Default any    `json:"default"`
	Min     *int   `json:"min,omitempty"`
	Max     *int   `json:"max,omitempty"`
}

type jsonCase struct {
	Why     string `json:"why"`
	Filters string `json:"filters"`
}

type jsonControl struct {
	ID          string            `json:"id"`
	SecurityHub string            `json:"securityhub,omitempty"`
	CIS         []string          `json:"cis"`
	Prowler     []string          `json:"prowler"`
	Title       string            `json:"title"`
	Severity    controls.Severity `json:"severity"`
	Kind        string            `json:"kind"`
	Rationale   string            `json:"rationale"`
	Remediation string            `json:"remediation"`
	References  []string          `json:"references"`
	Scope       string            `json:"scope,omitempty"`
	Fails       []jsonCase        `json:"fails"`
	Events      []string          `json:"events"`
	Pattern     json.RawMessage   `json:"pattern"`
	Periodic    bool              `json:"periodic"`
	Params      []jsonParam       `json:"parameters"`
	Actions     []string          `json:"actions"`
}

func writeControls(w io.Writer, format string) error {
	all := controls.All()
	switch format {
	case "markdown":
		return controls.Markdown(w, all)
	case "json":
		out := make([]jsonControl, len(all))
		for i, c := range all {
			j := jsonControl{ID: c.ID, SecurityHub: c.SecurityHub, CIS: nonNil(c.CIS), Prowler: nonNil(c.Prowler), Title: c.Title,
				Severity: c.Severity, Kind: string(c.Kind), Rationale: c.Rationale, Remediation: c.Remediation,
				References: c.References, Scope: c.Scope, Events: c.Events, Pattern: c.Pattern(), Periodic: c.Periodic,
				Params: []jsonParam{}, Actions: nonNil(c.Actions)}
			for _, cs := range c.Fails {
				j.Fails = append(j.Fails, jsonCase(cs))
			}
			for _, p := range c.Params {
				jp := jsonParam{Name: p.Name, AWSName: p.AWSName, Doc: p.Doc, Default: p.Default}
				if p.Type == controls.ParamInt {
					jp.Min, jp.Max = &p.Min, &p.Max
				}
				j.Params = append(j.Params, jp)
			}
			out[i] = j
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"controls": out})
	case "text":
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSECURITY HUB\tSEVERITY\tKIND\tTITLE")
		for _, c := range all {
			sh := c.SecurityHub
			if sh == "" {
				sh = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, sh, c.Severity, c.Kind, c.Title)
		}
		return tw.Flush()
	}
	return usageError(fmt.Errorf("controls: unknown --format %q (want %s)", format, strings.Join([]string{"text", "json", "markdown"}, ", ")))
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
