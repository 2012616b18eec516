package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/pattern"
)

func newTestPatternCommand(streams *IO) *cobra.Command {
	return &cobra.Command{
		Use:   "test-pattern PATTERN_FILE EVENT_FILE",
		Short: "Test whether an EventBridge event pattern matches an event",
		Long: `test-pattern checks an EventBridge event pattern the way EventBridge does, like
"aws events test-event-pattern", offline. It prints "match" or "no match".

EVENT_FILE "-" reads the event from standard input.

Exit codes: 0 the pattern matches; 1 it does not; 2 the pattern is invalid (the reason is
printed) or a file cannot be read; 3 the event is not a valid JSON object.`,
		Example: `  ec2guard test-pattern examples/patterns/stop-protection.json event.json
  aws ec2 ... | ec2guard test-pattern pattern.json -`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := os.ReadFile(args[0])
			if err != nil {
				return usageError(fmt.Errorf("reading pattern: %w", err))
			}
			p, err := pattern.Parse(src)
			if err != nil {
				return usageError(fmt.Errorf("%s: invalid pattern: %w", args[0], err))
			}
			var event []byte
			if args[1] == "-" {
				event, err = io.ReadAll(streams.In)
			} else {
				event, err = os.ReadFile(args[1])
			}
			if err != nil {
				return usageError(fmt.Errorf("reading event: %w", err))
			}
			ok, err := p.Matches(event)
			if err != nil {
				var se *pattern.SyntaxError
				if errors.As(err, &se) {
					return exitCode(ExitRejected, fmt.Errorf("%s: %w", args[1], err))
				}
				return err
			}
			if !ok {
				fmt.Fprintln(streams.Out, "no match")
				return exitCode(ExitFindings, nil)
			}
			fmt.Fprintln(streams.Out, "match")
			return nil
		},
	}
}
