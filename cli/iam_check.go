package cli

import "github.com/spf13/cobra"

func newIAMCheckCommand(streams *IO) *cobra.Command {
	return &cobra.Command{Use: "check", Short: "(not implemented yet)", RunE: notYet("iam check")}
}
