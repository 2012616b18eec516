// Package cli holds ec2guard's subcommands: the one place that wires the other packages together.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/iam/analyze"
	"github.com/ec2guard/ec2guard/rules"
)

// Exit codes, as PRODUCT §2 defines them.
const (
	ExitOK       = 0 // success
	ExitFindings = 1 // findings at or above --fail-on, an action failed, or (test-pattern) no match
	ExitUsage    = 2 // usage or configuration error
	ExitRejected = 3 // some input was rejected; every valid input was still processed
)

// exitError carries an exit code out of a command. A nil err with a non-zero code
// means the command already reported what went wrong.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// exitCode returns an error that makes Run exit with code; err (may be nil) is printed.
func exitCode(code int, err error) error { return &exitError{code: code, err: err} }

// usageError marks err as a usage or configuration error (exit 2).
func usageError(err error) error { return exitCode(ExitUsage, err) }

// IO is what a command reads from and writes to.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// Run executes ec2guard with args (without the program name) and returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 && os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" {
		args = []string{"lambda"}
	}
	streams := &IO{In: stdin, Out: stdout, ErrOut: stderr}
	root := newRootCommand(streams)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		var problems rules.Errors
		var cfgProblems *analyze.ConfigError
		switch {
		case errors.As(ee.err, &problems):
			// One file:line:col: message per line, as editors and CI annotations read them.
			for _, p := range problems {
				fmt.Fprintln(stderr, p)
			}
		case errors.As(ee.err, &cfgProblems):
			for _, p := range cfgProblems.Problems {
				fmt.Fprintln(stderr, p)
			}
		case ee.err != nil:
			fmt.Fprintf(stderr, "ec2guard: %v\n", ee.err)
		}
		return ee.code
	}
	// Errors cobra itself returns (unknown flag, wrong arg count) are usage errors.
	fmt.Fprintf(stderr, "ec2guard: %v\n", err)
	return ExitUsage
}

func newRootCommand(streams *IO) *cobra.Command {
	root := &cobra.Command{
		Use:   "ec2guard",
		Short: "Keep EC2 fleets inside their guardrails",
		Long: `ec2guard remediates EC2 events with rules (EventBridge patterns, filters, actions),
scans current resources, analyzes IAM policies against EC2 guardrails, and writes the
CloudFormation that deploys it. Standard AWS configuration applies (credential chain,
AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL).`,
		Version:       buildVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// cobra's completion command: ec2guard completion bash|zsh|fish|powershell.
	root.CompletionOptions.DisableDefaultCmd = false
	root.AddCommand(
		newValidateCommand(streams),
		newHandleCommand(streams),
		newServeCommand(streams),
		newScanCommand(streams),
		newDeployCommand(streams),
		newLambdaCommand(streams),
		newDemoCommand(streams),
		newTestPatternCommand(streams),
		newIAMCommand(streams),
		newControlsCommand(streams),
		newReportCommand(streams),
	)
	return root
}

// newIAMCommand groups the IAM analysis commands.
func newIAMCommand(streams *IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "iam",
		Short: "Analyze IAM policies against EC2 guardrails",
	}
	cmd.AddCommand(
		newIAMCheckCommand(streams),
		newIAMChecksCommand(streams),
		newIAMSimulateCommand(streams),
	)
	return cmd
}

// colorOut reports whether text for people written to w may carry ANSI colours: only when w
// is a terminal, and never with NO_COLOR set (no-color.org) or TERM=dumb.
func colorOut(w io.Writer) bool {
	return os.Getenv("NO_COLOR") == "" && terminal(w)
}

// terminal reports whether w is a terminal that understands a carriage return and ANSI
// sequences (not TERM=dumb): where scan shows its progress.
func terminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
