package cli

import "github.com/spf13/cobra"

func newServeCommand(streams *IO) *cobra.Command {
	return &cobra.Command{Use: "serve", Short: "(not implemented yet)", RunE: notYet("serve")}
}
