package cli

import "github.com/spf13/cobra"

func newTestPatternCommand(streams *IO) *cobra.Command {
	return &cobra.Command{Use: "test-pattern", Short: "(not implemented yet)", RunE: notYet("test-pattern")}
}
