package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/rules"
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
the function's region instead (see ec2guard scan --help); one of the stack's timer (deploy
template --timer: its detail is {"ec2guard":"timer"}) scans the region by the time-driven rules
alone (grace, schedule, min-age, stopped-for, older-than), whose time no event tells. Each
scan's run is named by the Scheduled Event's time: a retried invocation does not act again
where the first attempt did.

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
                        acted on there through arn:aws:iam::ACCOUNT:role/NAME

A scheduled scan fanned out over SQS (deploy template --scan-schedule, or the timer, with
--org or --scan-accounts), for an Organization's accounts and regions that one invocation
cannot cover (a timer's parts are judged by the time-driven rules alone): the Scheduled
Event puts one message per (account, region) on the queue, and the function, subscribed to it (an event source mapping with a maximum concurrency), scans one
part per message. A part whose time runs short puts its remainder (the kind and page it was
at) back on the queue; one that fails is retried by SQS (reported as a batch item failure;
the queue's redrive policy sends it to the dead-letter queue in the end); one done is
recorded in the state table and not scanned again. The blast-radius cap holds across all
the parts of one run of the schedule.
  EC2GUARD_SCAN_QUEUE        the queue of the parts (needs EC2GUARD_TABLE)
  EC2GUARD_SCAN_REGIONS      the regions to scan, comma-separated (default: the function's)
  EC2GUARD_SCAN_ACCOUNTS     the accounts, comma-separated, or "organization": the
                             Organization's active accounts (organizations:ListAccounts);
                             default: the function's own
  EC2GUARD_SCAN_MAX_ACTIONS  mutating actions of one run of the schedule, across its parts
                             (default 100; -1: no cap)
  EC2GUARD_TO_SECURITYHUB    "true": each part also judges the controls of the rule file's
                             "- control:" entries and sends their findings to Security Hub in
                             the part's account and region (as scan --controls
                             --to-securityhub does); a place scanned in one part also has the
                             findings of its vanished resources closed`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
				return usageError(fmt.Errorf("not running in AWS Lambda (AWS_LAMBDA_RUNTIME_API is not set); use handle or serve"))
			}
			f := lambdaFlags()
			fanEnv, err := scanFanOutEnv()
			if err != nil {
				return usageError(err)
			}
			if fanEnv.queue != "" {
				if f.noState {
					return usageError(errors.New("EC2GUARD_SCAN_QUEUE needs EC2GUARD_TABLE: the parts done and the scan's cap are kept there"))
				}
				f.scanCap = fanEnv.maxActions
			}
			if f.noState {
				slog.New(slog.NewTextHandler(streams.ErrOut, nil)).Warn("EC2GUARD_TABLE is not set: duplicates and the loop budget are counted within one process only, not across invocations")
			}
			eng, closeFn, err := f.build(streams.ErrOut)
			if err != nil {
				return err
			}
			defer closeFn()
			var fan *source.FanOut
			if fanEnv.queue != "" {
				fan = fanEnv.fanOut(f.api, eng, f.shared, slog.New(slog.NewTextHandler(streams.ErrOut, nil)))
				if fanEnv.toHub {
					checks, err := controlChecks(eng.Rules())
					if err != nil {
						return usageError(err)
					}
					fan.Findings = &source.Findings{Checks: checks, Hub: f.api}
				}
			}
			lister := awsapi.New()
			handler := source.LambdaScheduled(eng, streams.Out, source.Scheduled{
				Scan:   &source.Scanner{Lister: lister, Engine: eng},
				Fan:    fan,
				Timer:  &source.Scanner{Lister: lister, Engine: eng.Timer()},
				Logger: slog.New(slog.NewTextHandler(streams.ErrOut, nil)),
			})
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

// fanOutEnv is the fanned-out scan's configuration, from the function's environment.
type fanOutEnv struct {
	toHub           bool
	queue, accounts string
	regions         []string
	maxActions      int
}

func scanFanOutEnv() (fanOutEnv, error) {
	e := fanOutEnv{queue: os.Getenv("EC2GUARD_SCAN_QUEUE"), accounts: strings.TrimSpace(os.Getenv("EC2GUARD_SCAN_ACCOUNTS")), maxActions: 100,
		toHub: strings.EqualFold(os.Getenv("EC2GUARD_TO_SECURITYHUB"), "true")}
	if e.toHub && e.queue == "" {
		return e, errors.New("EC2GUARD_TO_SECURITYHUB is for a fanned-out scan: it needs EC2GUARD_SCAN_QUEUE")
	}
	for r := range strings.SplitSeq(os.Getenv("EC2GUARD_SCAN_REGIONS"), ",") {
		if r = strings.TrimSpace(r); r != "" {
			e.regions = append(e.regions, r)
		}
	}
	if v := os.Getenv("EC2GUARD_SCAN_MAX_ACTIONS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n == 0 || n < -1 {
			return e, fmt.Errorf("EC2GUARD_SCAN_MAX_ACTIONS=%q: want a number of actions, at least 1, or -1 for no cap", v)
		}
		e.maxActions = n
	}
	return e, nil
}

// fanOut is the FanOut the environment describes.
func (e fanOutEnv) fanOut(clients *awsapi.Clients, eng *engine.Engine, parts engine.Ledger, logger *slog.Logger) *source.FanOut {
	fan := &source.FanOut{Lister: clients, Engine: eng, Timer: eng.Timer(), Queue: clients, URL: e.queue, Parts: parts, Regions: e.regions, Logger: logger}
	if len(fan.Regions) == 0 {
		fan.Regions = []string{os.Getenv("AWS_REGION")}
	}
	switch {
	case strings.EqualFold(e.accounts, "organization"):
		fan.Accounts = clients.OrganizationAccounts
	case e.accounts != "":
		var ids []string
		for a := range strings.SplitSeq(e.accounts, ",") {
			if a = strings.TrimSpace(a); a != "" {
				ids = append(ids, a)
			}
		}
		fan.Accounts = func(context.Context) ([]string, error) { return ids, nil }
	}
	return fan
}

// controlChecks are the controls of the rule file's `- control:` entries, compiled with the
// entries' parameters, one per control and parameters.
func controlChecks(set *rules.Set) ([]*controls.Check, error) {
	var out []*controls.Check
	seen := map[string]bool{}
	for _, r := range set.Rules {
		if r.Control == nil {
			continue
		}
		key := fmt.Sprint(r.Control.ID, r.Control.Params)
		if seen[key] {
			continue
		}
		seen[key] = true
		c, ok := controls.ByID(r.Control.ID)
		if !ok {
			return nil, fmt.Errorf("rule %s: control %s is not in the catalogue", r.Name, r.Control.ID)
		}
		k, err := c.Compile(r.Control.Params)
		if err != nil {
			return nil, fmt.Errorf("rule %s: control %s: %w", r.Name, r.Control.ID, err)
		}
		out = append(out, k)
	}
	if len(out) == 0 {
		return nil, errors.New("EC2GUARD_TO_SECURITYHUB: the rule file has no `- control:` entry whose findings to send")
	}
	return out, nil
}
