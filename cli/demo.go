package cli

import "github.com/spf13/cobra"

func newDemoCommand(streams *IO) *cobra.Command {
	return &cobra.Command{Use: "demo", Short: "(not implemented yet)", RunE: notYet("demo")}
}
