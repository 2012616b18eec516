package cli

import "github.com/spf13/cobra"

func newLambdaCommand(streams *IO) *cobra.Command {
	return &cobra.Command{Use: "lambda", Short: "(not implemented yet)", RunE: notYet("lambda")}
}
