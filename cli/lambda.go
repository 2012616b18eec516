package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/source"
)

func newLambdaCommand(streams *IO) *cobra.Command {
	return &cobra.Command{
		Use:   "lambda",
		Short: "Run as the AWS Lambda function (chosen automatically when AWS_LAMBDA_RUNTIME_API is set)",
		Long: `lambda serves the Lambda runtime API: each invocation is one EventBridge event, handled by
the rules, with decision records written to the function's log. A failed action fails the
invocation so EventBridge retries it; an invalid event is reported and not retried.

Configuration, from the environment:
  EC2GUARD_RULES        the rule file (default: rules.yaml beside the binary, /var/task/rules.yaml)
  EC2GUARD_VAR_NAME     rule-file variables
  EC2GUARD_DRY_RUN      "true" to decide without acting
  EC2GUARD_SELF_ARNS    ec2guard's own role ARN(s), comma-separated: its CloudTrail events are ignored`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
				return usageError(fmt.Errorf("not running in AWS Lambda (AWS_LAMBDA_RUNTIME_API is not set); use handle or serve"))
			}
			var f engineFlags
			f.file = os.Getenv("EC2GUARD_RULES")
			if f.file == "" {
				f.file = "/var/task/rules.yaml"
			}
			f.dryRun = strings.EqualFold(os.Getenv("EC2GUARD_DRY_RUN"), "true")
			f.detectSelf = true
			f.noState = true // the ledger of a deployed function is the stack's DynamoDB table (planned)
			f.maxPerRun, f.maxPerMinute, f.loopBudget = -1, 30, 3
			eng, closeFn, err := f.build(streams.ErrOut)
			if err != nil {
				return err
			}
			defer closeFn()
			lambda.StartWithOptions(source.LambdaHandler(eng, streams.Out), lambda.WithContext(cmd.Context()))
			return nil
		},
	}
}
