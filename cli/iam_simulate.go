package cli

import "github.com/spf13/cobra"

func newIAMSimulateCommand(streams *IO) *cobra.Command {
	return &cobra.Command{Use: "simulate", Short: "(not implemented yet)", RunE: notYet("iam simulate")}
}
