package cli

import "github.com/spf13/cobra"

func newIAMChecksCommand(streams *IO) *cobra.Command {
	return &cobra.Command{Use: "checks", Short: "(not implemented yet)", RunE: notYet("iam checks")}
}
