package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/pattern"
)

// oneObject checks that an event to test is one JSON object, in the event's words.
func oneObject(ev []byte) error {
	if err := json.Unmarshal(ev, new(any)); err != nil {
		return fmt.Errorf("event is not valid JSON: %w", event.JSONError(ev, err, ""))
	}
	if t := bytes.TrimLeft(ev, " \t\r\n"); t[0] == '[' {
		return errors.New("an event must be one JSON object, not an array (aws events test-event-pattern takes one event too; test each on its own, or run the file through ec2guard handle --dry-run)")
	} else if t[0] != '{' {
		return errors.New("an event must be a JSON object")
	}
	return nil
}

func newTestPatternCommand(streams *IO) *cobra.Command {
	return &cobra.Command{
		Use:   "test-pattern PATTERN_FILE EVENT_FILE",
		Short: "Test whether an EventBridge event pattern matches an event",
		Long: `test-pattern checks an EventBridge event pattern the way EventBridge does, like
"aws events test-event-pattern", offline. It prints "match" or "no match".

EVENT_FILE "-" reads the event from standard input. As for "aws events test-event-pattern",
the event is one JSON object: a JSON array of events is refused (exit 3); run a file of
events through "ec2guard handle --dry-run" instead. A UTF-8 byte order mark is skipped.

Exit codes: 0 the pattern matches; 1 it does not; 2 the pattern is invalid (the reason is
printed) or a file cannot be read; 3 the event is not a valid JSON object.`,
		Example: `  ec2guard test-pattern examples/patterns/stop-protection.json examples/events/instance-stopped.json
  ec2guard test-pattern examples/patterns/auto-tag.json - < examples/events/run-instances.json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := os.ReadFile(args[0])
			if err != nil {
				return usageError(fmt.Errorf("reading pattern: %w", err))
			}
			p, err := pattern.Parse(event.TrimBOM(src))
			if err != nil {
				return usageError(fmt.Errorf("%s: invalid pattern: %w", args[0], err))
			}
			var ev []byte
			if args[1] == "-" {
				ev, err = io.ReadAll(streams.In)
			} else {
				ev, err = os.ReadFile(args[1])
			}
			if err != nil {
				return usageError(fmt.Errorf("reading event: %w", err))
			}
			ev = event.TrimBOM(ev)
			if err := oneObject(ev); err != nil {
				return exitCode(ExitRejected, fmt.Errorf("%s: %w", args[1], err))
			}
			ok, err := p.Matches(ev)
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
