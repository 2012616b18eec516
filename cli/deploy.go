package cli

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/deploy"
	"github.com/ec2guard/ec2guard/internal/queueurl"
)

func newDeployCommand(streams *IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Write what deploys ec2guard into an account or an AWS Organization",
		Long: `deploy writes the function package and the CloudFormation that wire ec2guard into AWS:

  GOOS=linux GOARCH=arm64 make build BIN=bin/bootstrap    # the function's executable
  ec2guard deploy package  -r rules.yaml --var topic=ARN -o ec2guard.zip --binary bin/bootstrap
  aws s3 cp ec2guard.zip s3://BUCKET/ec2guard.zip
  ec2guard deploy template -r rules.yaml --var topic=ARN > ec2guard.yaml
  aws cloudformation deploy --template-file ec2guard.yaml --stack-name ec2guard \
      --capabilities CAPABILITY_IAM --parameter-overrides CodeBucket=BUCKET Architecture=arm64

deploy policy writes the same permissions for a role made elsewhere (serve on a host: --queue).`,
	}
	cmd.AddCommand(newDeployTemplateCommand(streams), newDeployPackageCommand(streams), newDeployPolicyCommand(streams))
	return cmd
}

func newDeployTemplateCommand(streams *IO) *cobra.Command {
	var rf ruleFlags
	var org, member bool
	var format, out, scanSchedule, timer string
	var scanRegions, scanAccounts []string
	var toHub bool
	cmd := &cobra.Command{
		Use:   "template -r RULES [--var NAME=VALUE]... [--org [--member]] [--scan-schedule EXPR [--scan-regions R,...] [--scan-accounts ID,...] [--to-securityhub]] [--timer EXPR|off] [--format yaml|json] [-o FILE]",
		Short: "Write the CloudFormation template of the remediation stack",
		Long: `template writes the CloudFormation of the remediation stack for the rule file:

  - the Lambda function (provided.al2023; the package of "deploy package" in CodeBucket/CodeKey),
    its log group (LogRetentionDays), retries and a dead-letter queue;
  - one EventBridge rule per rule, with the rule's pattern verbatim, targeting the function;
  - the DynamoDB table of the idempotency ledger and the loop budget (EC2GUARD_TABLE);
  - an execution role with only what the rules' actions need: each action's EC2 call on the
    resources its rule's filters allow (tag filters become ec2:ResourceTag conditions, id
    filters instance ARNs), tag writes limited to the keys the rule writes (aws:TagKeys), SNS
    publish on the rules' topics, and the ledger, log and queue of the stack. ` + "`iam check`" + ` of the
    template finds nothing for the seeds' rules.

Rule-file variables (--var, or EC2GUARD_VAR_NAME) are filled in and passed to the function.

--scan-schedule "rate(1 hour)" also has the function scan its region on that schedule (as
ec2guard scan does), so what no event told is remediated too. It is off by default: the first
scan acts on the whole fleet (within the per-minute cap) — try it with the DryRun parameter.

Rules driven by time — a grace's due action, a schedule's transitions, a min-age's re-check,
an exception that expires, a stopped-for or older-than filter (e.g. - control: EC2.4) — act
only when a scan runs, since no event tells when their time comes. Without --scan-schedule
the stack has a timer for them (TimerSchedule, --timer, default "rate(5 minutes)"): on it the
function scans its region by those rules alone — its first tick acts on every resource that
fails a rule wholly the timer's, within the per-minute cap (try it with the DryRun
parameter) — and the other rules act on their events only. Of a rule that time changes only
through its
grace, min-age or exceptions, the timer judges only the resources with a grace pending, a
re-check due (an event a min-age or an exception by principal spared writes the tag
ec2guard:recheck:RULE) or an exception expired; a schedule or a stopped-for or older-than
filter makes it judge all of the rule's. The timer takes a rule's action on a resource at
most once a day while it keeps failing in the same state (an instance stopped for 30 days is
reported on the tick it crosses them, then daily, and at once after it was started and
stopped again); an action that failed is the next tick's to try. An Organization's timer
(--org, or --scan-regions, --scan-accounts; default "rate(1 hour)", a part per account and
region each tick) is fanned out over its accounts and regions as a scheduled scan is (below),
its parts judged by the time-driven rules alone; a tick that finds an earlier one's parts
still on the queue is skipped. template names the rules on standard error; --timer off
leaves them to a scan run otherwise.

With --org, or --scan-regions, the scheduled scan (or the timer's) is fanned out for a fleet
one invocation cannot cover (500 accounts × 17 regions in Lambda's 15 minutes): the schedule's invocation
puts one SQS message per (account, region) on the stack's ScanQueue, and the same function,
subscribed to it (an event source mapping, at most ScanConcurrency at once, batch items
reported as failed), scans one part per message; a part short of time puts its remainder
(kind and page token) back on the queue, a failed one is retried by SQS and ends in
ScanDeadLetterQueue after 5 tries, one done is recorded in the state table and not scanned
again. ScanMaxActions (default 100) caps the mutating actions of one run across all its
parts. The accounts are the Organization's active ones (organizations:ListAccounts: deploy
the central stack in the management account or a delegated administrator), or those of
--scan-accounts; the regions those of --scan-regions (the ScanRegions parameter), or the
stack's. The records land in the function's log, each naming its account and region.
--to-securityhub also has each part judge the rule file's "- control:" entries and send their
findings to Security Hub in the part's account and region, as scan --controls
--to-securityhub does (a place scanned in one part also has the findings of its vanished
resources closed): the role is granted securityhub:BatchImportFindings on the account's
default product, GetFindings and BatchUpdateFindings on its hub; give --to-securityhub to
the member template too, for the remediation role.

--org writes the central account's template of an Organization: it also accepts events from
the Organization's accounts on the default bus and lets the function assume each member
account's remediation role. --org --member writes the member accounts' template (deploy it
with a service-managed StackSet): rules with the same patterns forward the events to the
central bus, and the remediation role (CAPABILITY_NAMED_IAM) trusts the central function.

Exit codes: 0 written; 2 usage or rule-file error.`,
		Example: `  ec2guard deploy template -r examples/seeds.yaml --var topic=arn:aws:sns:us-east-1:123456789012:ops > ec2guard.yaml
  ec2guard deploy template -r rules.yaml --org > central.yaml
  ec2guard deploy template -r rules.yaml --org --member > member.yaml
  ec2guard deploy template -r rules.yaml --org --scan-schedule "rate(6 hours)" --scan-regions us-east-1,eu-west-1,ap-southeast-2 > central.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if member && !org {
				return usageError(errors.New("deploy template: --member goes with --org"))
			}
			if format != "yaml" && format != "json" {
				return usageError(fmt.Errorf("deploy template: unknown --format %q (want yaml or json)", format))
			}
			set, src, vars, err := rf.loadWithSource()
			if err != nil {
				return err
			}
			fansOut := org || len(scanRegions) > 0 || len(scanAccounts) > 0
			switch {
			case timer == "off":
				timer = ""
			case fansOut && !cmd.Flags().Changed("timer"):
				// An Organization's tick is a part per account and region: hourly by default.
				timer = orgTimer
			}
			timed := strings.Join(deploy.TimeDriven(set), ", ")
			if (len(scanRegions) > 0 || len(scanAccounts) > 0) && scanSchedule == "" && (timer == "" || timed == "") {
				return usageError(errors.New("deploy template: --scan-regions and --scan-accounts go with --scan-schedule (or the timer of time-driven rules)"))
			}
			opts := deploy.Options{Rules: set, Vars: deploy.UsedVars(src, vars), Org: org, ScanSchedule: scanSchedule, Timer: timer,
				ScanRegions: scanRegions, ScanAccounts: scanAccounts, SecurityHub: toHub}
			build := deploy.Central
			if member {
				build = deploy.Member
			}
			t, err := build(opts)
			if err != nil {
				return usageError(err)
			}
			if timed != "" && scanSchedule == "" && !member {
				if timer != "" {
					where := "the region"
					if fansOut {
						where = "every account and region (fanned out over ScanQueue)"
					}
					fmt.Fprintf(streams.ErrOut, "ec2guard: %s act only when a scan runs: the stack's timer scans %s by them alone (%s; --timer); "+
						"its first tick may act on many resources: try it with the DryRun parameter\n", timed, where, timer)
				} else {
					fmt.Fprintf(streams.ErrOut, "ec2guard: warning: %s act only when a scan runs, and the stack has neither a timer nor a scan schedule: "+
						"give --scan-schedule (e.g. \"rate(1 hour)\"; every rule is then scanned, try it with the DryRun parameter) or run ec2guard scan on a schedule\n", timed)
				}
			}
			render := t.YAML
			if format == "json" {
				render = t.JSON
			}
			b, err := render()
			if err != nil {
				return err
			}
			return writeOut(streams.Out, out, b)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&rf.file, "rules", "r", "", "rule file (YAML or JSON)")
	fl.StringArrayVar(&rf.vars, "var", nil, "set a rule-file variable, NAME=VALUE (repeatable; also EC2GUARD_VAR_NAME)")
	fl.BoolVar(&org, "org", false, "an AWS Organization: the central account's template (with --member: the member accounts')")
	fl.BoolVar(&member, "member", false, "with --org: the member accounts' template")
	fl.StringVar(&format, "format", "yaml", "yaml or json")
	fl.StringVar(&scanSchedule, "scan-schedule", "", `also scan the region on this EventBridge schedule, e.g. "rate(1 hour)" (off by default: a first scan acts on the whole fleet)`)
	fl.StringVar(&timer, "timer", "rate(5 minutes)", `without --scan-schedule: the EventBridge schedule on which the function scans its region by the time-driven rules alone (grace, schedule, min-age, expiring exceptions, stopped-for, older-than), if there are any; with --org, --scan-regions or --scan-accounts `+orgTimer+` unless given; "off": none`)
	fl.StringSliceVar(&scanRegions, "scan-regions", nil, "with --scan-schedule or the timer: the regions the scan covers, fanned out over SQS (comma-separated; default: the stack's)")
	fl.BoolVar(&toHub, "to-securityhub", false, "the fanned-out scan also sends the findings of the rule file's - control: entries to Security Hub in each account and region (with --member: the remediation role's grants)")
	fl.StringSliceVar(&scanAccounts, "scan-accounts", nil, "with --org and --scan-schedule or the timer: the accounts the scan covers (comma-separated; default: the Organization's active accounts)")
	fl.StringVarP(&out, "output", "o", "-", "file to write (- for standard output)")
	return cmd
}

func newDeployPackageCommand(streams *IO) *cobra.Command {
	var rf ruleFlags
	var binary, out string
	cmd := &cobra.Command{
		Use:   "package -r RULES [--var NAME=VALUE]... -o FILE.zip [--binary PATH]",
		Short: "Write the Lambda function package: bootstrap and the rule file",
		Long: `package checks the rule file (as validate does) and writes the zip the template's function runs:
the ec2guard executable as "bootstrap" and the rule file as "rules.yaml". The executable is
this one unless --binary names another (build one for Lambda with GOOS=linux GOARCH=amd64 or
arm64 make build); its architecture is printed for the template's Architecture parameter.
The same inputs make the same bytes.

Exit codes: 0 written; 2 usage, rule-file or executable error.`,
		Example: `  ec2guard deploy package -r examples/seeds.yaml --var topic=arn:aws:sns:us-east-1:123456789012:ops -o ec2guard.zip`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" || out == "-" {
				return usageError(errors.New("deploy package: -o FILE.zip is required"))
			}
			_, src, _, err := rf.loadWithSource()
			if err != nil {
				return err
			}
			if binary == "" {
				if binary, err = os.Executable(); err != nil {
					return usageError(fmt.Errorf("deploy package: finding this executable (pass --binary): %w", err))
				}
			}
			bin, err := os.ReadFile(binary)
			if err != nil {
				return usageError(fmt.Errorf("deploy package: reading the executable: %w", err))
			}
			arch, dynamic, err := deploy.Arch(bin)
			if errors.Is(err, deploy.ErrNotELF) {
				return usageError(fmt.Errorf("deploy package: %s is %w: build the function's with GOOS=linux GOARCH=arm64 make build BIN=bin/bootstrap "+
					"(or GOARCH=amd64) and pass --binary bin/bootstrap", binary, err))
			}
			if err != nil {
				return usageError(fmt.Errorf("deploy package: %s: %w", binary, err))
			}
			if dynamic {
				fmt.Fprintf(streams.ErrOut, "ec2guard: warning: %s links dynamically; build it with make build (CGO_ENABLED=0) for a static bootstrap\n", binary)
			}
			var b bytes.Buffer
			if err := deploy.Package(&b, bin, src); err != nil {
				return err
			}
			if err := writeOut(streams.Out, out, b.Bytes()); err != nil {
				return err
			}
			fmt.Fprintf(streams.ErrOut, "ec2guard: wrote %s (%d bytes): bootstrap for %s (template parameter Architecture=%s), rules.yaml from %s\n", out, b.Len(), arch, arch, rf.file)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&rf.file, "rules", "r", "", "rule file (YAML or JSON)")
	fl.StringArrayVar(&rf.vars, "var", nil, "set a rule-file variable, NAME=VALUE, to check the file with (repeatable; also EC2GUARD_VAR_NAME)")
	fl.StringVar(&binary, "binary", "", "the Linux executable to package (default: this one)")
	fl.StringVarP(&out, "output", "o", "", "the zip file to write")
	return cmd
}

// writeOut writes b to the named file, or to w for "-".
func writeOut(w io.Writer, name string, b []byte) error {
	if name == "-" || name == "" {
		_, err := w.Write(b)
		return err
	}
	if err := os.WriteFile(name, b, 0o644); err != nil {
		return usageError(fmt.Errorf("writing %s: %w", name, err))
	}
	return nil
}

func newDeployPolicyCommand(streams *IO) *cobra.Command {
	var rf ruleFlags
	var o deploy.PolicyOptions
	var queue string
	cmd := &cobra.Command{
		Use:   "policy -r RULES [--var NAME=VALUE]... [--account ID] [--region R] [--table NAME] [--queue URL|ARN] [--assume-role NAME --org-id o-...] [--to-securityhub]",
		Short: "Write the IAM policy ec2guard needs to run the rules (for roles made outside CloudFormation)",
		Long: `policy writes, as JSON, the identity policy that ec2guard needs to run the rule file: the
statements of the template's execution role (each action's EC2 call narrowed by its rule's
filters, tag writes limited to the rule's keys, SNS publish on the rules' topics, the reads),
with concrete ARNs, for a role made with Terraform, the CDK or by hand, or for serve.
--table adds the DynamoDB state table (--state dynamodb://TABLE), --assume-role the members'
remediation role of an Organization, which --org-id (required with it) confines to that
Organization's accounts (aws:ResourceOrgID, as the central template does): without it the grant
would reach a role of that name in any account. ARNs name --account and --region, or any ("*").

For serve, --queue adds the queue it consumes (its URL, as serve takes it, or its ARN):
sqs:GetQueueAttributes (the check at start), ReceiveMessage, ChangeMessageVisibility and
DeleteMessage on that queue. A queue encrypted with a customer managed KMS key also needs
kms:Decrypt on that key (add it yourself: the policy cannot know the key); SSE-SQS needs nothing.

--to-securityhub adds what scan --controls --to-securityhub calls in the account:
securityhub:BatchImportFindings on its default product, GetFindings and BatchUpdateFindings on
its hub (the rule file's "- control:" entries give the reads of the controls' kinds).

Exit codes: 0 written; 2 usage or rule-file error.`,
		Example: `  ec2guard deploy policy -r examples/seeds.yaml --var topic=arn:aws:sns:eu-west-1:111122223333:ops \
      --account 111122223333 --region eu-west-1 --table ec2guard-state > ec2guard-policy.json
  # for serve on a host:
  ec2guard deploy policy -r examples/seeds.yaml --var topic=arn:aws:sns:eu-west-1:111122223333:ops \
      --account 111122223333 --region eu-west-1 --table ec2guard-state \
      --queue https://sqs.eu-west-1.amazonaws.com/111122223333/ec2guard > serve-policy.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			set, _, _, err := rf.loadWithSource()
			if err != nil {
				return err
			}
			o.Rules = set
			if queue != "" {
				q, err := queueurl.ParseAny(queue)
				if err != nil {
					return usageError(fmt.Errorf("deploy policy: --queue: %w", err))
				}
				if o.Account != "" && q.Account != o.Account {
					return usageError(fmt.Errorf("deploy policy: --queue %s is in account %s, not --account %s", queue, q.Account, o.Account))
				}
				o.Queue = q.ARN(cmp.Or(o.Region, "*"))
			}
			b, err := deploy.Policy(o)
			if err != nil {
				return usageError(err)
			}
			_, err = streams.Out.Write(b)
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&rf.file, "rules", "r", "", "rule file (YAML or JSON)")
	fl.StringArrayVar(&rf.vars, "var", nil, "set a rule-file variable, NAME=VALUE (repeatable; also EC2GUARD_VAR_NAME)")
	fl.StringVar(&o.Account, "account", "", "the account the ARNs name (default: any)")
	fl.StringVar(&o.Region, "region", "", "the region the ARNs name (default: any)")
	fl.StringVar(&o.Partition, "partition", "aws", "the ARNs' partition")
	fl.StringVar(&o.Table, "table", "", "the DynamoDB state table ec2guard uses, if any")
	fl.StringVar(&o.AssumeRole, "assume-role", "", "the remediation role ec2guard assumes in other accounts, if any")
	fl.StringVar(&o.OrgID, "org-id", "", "the Organization (o-...) whose accounts --assume-role may be assumed in (required with it)")
	fl.StringVar(&queue, "queue", "", "the SQS queue serve consumes (URL or ARN), if any")
	fl.BoolVar(&o.SecurityHub, "to-securityhub", false, "add what scan --controls --to-securityhub calls (BatchImportFindings, GetFindings, BatchUpdateFindings)")
	return cmd
}

// orgTimer is the default timer of a fanned-out stack (--org, --scan-regions): each of its
// ticks is a part, an invocation, per account and region.
const orgTimer = "rate(1 hour)"
