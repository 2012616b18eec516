package cli

import "github.com/spf13/cobra"

func newHandleCommand(streams *IO) *cobra.Command {
	return &cobra.Command{Use: "handle", Short: "(not implemented yet)", RunE: notYet("handle")}
}
