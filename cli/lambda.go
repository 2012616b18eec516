package cli

import (
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/source"
)

func newLambdaCommand(streams *IO) *cobra.Command {
	return &cobra.Command{
		Use:   "lambda",
		Short: "Run as the AWS Lambda function (chosen automatically when AWS_LAMBDA_RUNTIME_API is set)",
		Long: `lambda serves the Lambda runtime API: each invocation is one EventBridge event, handled by
the rules, with decision records written to the function's log. A failed action fails the
invocation so EventBridge retries it; an invalid event is reported and not retried. A
"Scheduled Event" (the stack's scan schedule, deploy template --scan-schedule) runs a scan of
the function's region instead (see ec2guard scan --help).

Configuration, from the environment:
  EC2GUARD_RULES        the rule file (default: rules.yaml beside the binary, /var/task/rules.yaml)
  EC2GUARD_TABLE        the DynamoDB state table: the idempotency ledger, and the loop budget and
                        per-minute cap counted across every invocation (String partition key "pk",
                        TTL on "expires_at"; see ec2guard handle --help). Without it each
                        process counts alone, and a remediation loop across invocations goes on.
  EC2GUARD_VAR_NAME     rule-file variables
  EC2GUARD_DRY_RUN      "true" to decide without acting
  EC2GUARD_SELF_ARNS    ec2guard's own role ARN(s), comma-separated: its CloudTrail events are ignored
  EC2GUARD_ASSUME_ROLE  an Organization's remediation role name: events of another account are
                        acted on there through arn:aws:iam::ACCOUNT:role/NAME`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
				return usageError(fmt.Errorf("not running in AWS Lambda (AWS_LAMBDA_RUNTIME_API is not set); use handle or serve"))
			}
			f := lambdaFlags()
			if f.noState {
				slog.New(slog.NewTextHandler(streams.ErrOut, nil)).Warn("EC2GUARD_TABLE is not set: duplicates and the loop budget are counted within one process only, not across invocations")
			}
			eng, closeFn, err := f.build(streams.ErrOut)
			if err != nil {
				return err
			}
			defer closeFn()
			handler := source.Lambda(eng, streams.Out, &source.Scanner{Lister: awsapi.New(), Engine: eng})
			return source.ServeRuntimeAPI(cmd.Context(), os.Getenv("AWS_LAMBDA_RUNTIME_API"), handler)
		},
	}
}

// lambdaFlags is the Lambda function's configuration, read from its environment.
func lambdaFlags() engineFlags {
	var f engineFlags
	f.file = os.Getenv("EC2GUARD_RULES")
	if f.file == "" {
		f.file = "/var/task/rules.yaml"
	}
	f.dryRun = strings.EqualFold(os.Getenv("EC2GUARD_DRY_RUN"), "true")
	f.detectSelf = true
	if table := os.Getenv("EC2GUARD_TABLE"); table != "" {
		f.state, f.stateFrom = stateDynamoDB+table, "EC2GUARD_TABLE="+table
	} else {
		f.noState = true // a local file would not outlive the process
	}
	// A warm function lives on: a per-run cap would end up stopping everything.
	f.maxPerRun, f.maxPerMinute, f.loopBudget = -1, 30, 3
	return f
}
