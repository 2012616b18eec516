package cli

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/act"
	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/ledger"
	"github.com/ec2guard/ec2guard/notify"
	"github.com/ec2guard/ec2guard/source"
)

// engineFlags are the flags of every command that runs the engine.
type engineFlags struct {
	ruleFlags
	dryRun       bool
	state        string
	stateFrom    string // where state came from, for errors (default "--state")
	noState      bool
	self         []string
	maxPerRun    int
	maxPerMinute int
	loopBudget   int
	detectSelf   bool   // ask STS who ec2guard runs as, for self-exclusion (serve, lambda)
	assumeRole   string // the remediation role of the accounts events come from (an Organization)
	awsTimeout   time.Duration
	awsBackoff   time.Duration
	api          *awsapi.Clients // set by build: the clients the engine uses
	scanCap      int             // a fanned-out scan's mutating actions across its parts (lambda; 0: none)
	shared       *ledger.Dynamo  // set by build with a DynamoDB state table
	format       string          // of decision records: json (the default) or text (handle, scan)
}

func (f *engineFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(&f.file, "rules", "r", "", "rule file (YAML or JSON)")
	fl.StringArrayVar(&f.vars, "var", nil, "set a rule-file variable, NAME=VALUE (repeatable; also EC2GUARD_VAR_NAME)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "decide and report, never call a mutating AWS API")
	fl.StringVar(&f.state, "state", "", "the ledger and the budgets: a file PATH (default: ec2guard/ledger.db in the user cache directory; "+
		"runs using it one after another share them), or dynamodb://TABLE, shared with every process using the table at once")
	fl.BoolVar(&f.noState, "no-state", false, "no ledger: duplicates are caught within this run only")
	fl.StringArrayVar(&f.self, "self", nil, "ARN of ec2guard's own identity; its CloudTrail events are ignored (repeatable; also EC2GUARD_SELF_ARNS, comma-separated)")
	fl.IntVar(&f.maxPerRun, "max-actions", 100, "blast radius: mutating actions per run; past it actions are suppressed (-1: no cap)")
	fl.IntVar(&f.maxPerMinute, "max-actions-per-minute", 30, "blast radius: mutating actions per minute (-1: no cap)")
	fl.IntVar(&f.loopBudget, "loop-budget", 3, "mutating actions per resource per 10 minutes before a loop is assumed")
	fl.StringVar(&f.assumeRole, "assume-role", "", "act on an event's resources in its own account through this role NAME there "+
		"(an Organization's member accounts; also EC2GUARD_ASSUME_ROLE); CloudTrail events of its sessions count as ec2guard's own")
	fl.DurationVar(&f.awsTimeout, "aws-timeout", awsapi.DefaultAttemptTimeout, "longest wait for one attempt of an AWS call before it is retried")
	fl.DurationVar(&f.awsBackoff, "aws-max-backoff", 20*time.Second, "longest pause between retries of a throttled or failed AWS call")
}

// build loads the rules and prepares the engine; close releases the ledger.
func (f *engineFlags) build(errOut io.Writer) (eng *engine.Engine, closeFn func(), err error) {
	set, err := f.load()
	if err != nil {
		return nil, nil, err
	}
	clients := awsapi.New()
	clients.AttemptTimeout, clients.MaxBackoff = f.awsTimeout, f.awsBackoff
	f.assumeRole = cmp.Or(f.assumeRole, os.Getenv("EC2GUARD_ASSUME_ROLE"))
	clients.SetAssumeRole(f.assumeRole)
	f.api = clients
	factory := &act.Factory{API: clients, Owners: ownerDirectory(set, clients), Webhooks: &notify.Webhooks{AllowLoopbackHTTP: loopbackHTTP()}}
	cfg := engine.Config{
		Rules: set, NewAction: factory.New, Inventory: clients,
		DryRun: f.dryRun, Logger: slog.New(slog.NewTextHandler(errOut, nil)),
		Self: f.self, MaxPerRun: f.maxPerRun, MaxPerMinute: f.maxPerMinute, LoopBudget: f.loopBudget, Now: clock(),
	}
	cfg.Marker = clients // the pending actions of rules with a grace, as tags
	if env := os.Getenv("EC2GUARD_SELF_ARNS"); env != "" {
		cfg.Self = append(cfg.Self, strings.Split(env, ",")...)
	}
	if role := f.assumeRole; role != "" {
		// What ec2guard does in member accounts, it does as this role there.
		cfg.Self = append(cfg.Self, "arn:aws:iam::*:role/"+role)
	}
	if f.detectSelf {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		arn, err := clients.CallerARN(ctx)
		cancel()
		if err != nil {
			cfg.Logger.Warn("could not learn ec2guard's own identity; its own CloudTrail events will not be ignored (pass --self)", "error", err)
		} else {
			cfg.Self = append(cfg.Self, arn)
		}
	}
	closeFn = func() {}
	if table, ok := strings.CutPrefix(f.state, stateDynamoDB); ok && !f.noState {
		d, err := openTable(clients, table, cfg.Logger)
		if err != nil {
			from := cmp.Or(f.stateFrom, "--state "+f.state)
			return nil, nil, usageError(fmt.Errorf("%s: %w", from, err))
		}
		cfg.Ledger, cfg.Budget = d, d
		f.shared = d
		if f.scanCap > 0 {
			cfg.Budget = &source.TickBudget{Budget: d, Counter: clients.Table(table), Cap: f.scanCap}
		}
	} else if !f.noState {
		path := f.state
		if path == "" {
			if path, err = ledger.DefaultPath(); err != nil {
				return nil, nil, usageError(err)
			}
		}
		l, err := ledger.Open(path, 10*time.Second)
		if err != nil {
			return nil, nil, usageError(err)
		}
		cfg.Ledger, cfg.Budget = l, l // runs sharing the file share the budgets
		closeFn = func() { l.Close() }
	}
	eng, err = engine.New(cfg)
	if err != nil {
		closeFn()
		return nil, nil, usageError(err)
	}
	return eng, closeFn, nil
}

// stateDynamoDB prefixes a --state that names a DynamoDB table.
const stateDynamoDB = "dynamodb://"

// openTable checks that the DynamoDB state table exists with the expected key, so a
// misconfigured deployment fails at start rather than acting without its safety state.
func openTable(clients *awsapi.Clients, table string, logger *slog.Logger) (*ledger.Dynamo, error) {
	if table == "" || strings.Contains(table, "/") {
		return nil, fmt.Errorf("want %sTABLE, a table name", stateDynamoDB)
	}
	d := ledger.NewDynamo(clients.Table(table))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ttl, err := d.Check(ctx)
	if err != nil {
		return nil, err
	}
	if !ttl {
		logger.Warn("TTL is not enabled on the state table's expires_at: expired items are ignored but never deleted",
			"table", table, "fix", "aws dynamodb update-time-to-live --table-name "+table+" --time-to-live-specification Enabled=true,AttributeName=expires_at")
	}
	return d, nil
}

func newHandleCommand(streams *IO) *cobra.Command {
	var f engineFlags
	cmd := &cobra.Command{
		Use:   "handle -r RULES [--dry-run] [--state PATH | dynamodb://TABLE] [--format json|text] [FILE... | -]",
		Short: "Process events from files or standard input",
		Long: `handle runs the rules on events read from files or standard input ("-", the default):
one event object, a JSON array of events, NDJSON, or a CloudTrail log file ({"Records":[...]},
optionally gzip'd; each record is matched as the "AWS API Call via CloudTrail" event
EventBridge would deliver; such records are replays, which the tag action accepts past
EventBridge's 24-hour retry horizon, still checking each resource's creation against the
record's eventTime); a UTF-8 byte order mark is skipped. It prints one decision record per
line on standard output (JSON; --format text aligns them for people); logs go to standard
error. An input that is not a valid event is a "rejected" record that names where it was
(file:line, file:#index in an array, file:Records[i] in a log).

The events acted on are EC2 state changes, the CloudTrail calls that create or change an EC2
resource (the README lists them: AuthorizeSecurityGroupIngress, ModifySnapshotAttribute,
DisableEbsEncryptionByDefault...) and Security Hub and GuardDuty findings, each on the
resources it names, read as they are now (a finding's in the account and region it names).

Every action re-reads the resource before acting, mutating actions obey the per-resource loop
budget and the blast-radius caps, and an event already acted on (by id) is reported as a
duplicate — across runs, through the ledger (--state), which also carries the loop budget and
the per-minute cap from one run to the next.

--state dynamodb://TABLE keeps the ledger in a DynamoDB table shared with every other
ec2guard process that uses it (serve, the Lambda function, other handle runs): of several
processes given one event only one acts (another one holding it at that moment makes the
action fail, so that the event is retried), and the loop budget and the per-minute cap
count the actions of all of them, in windows aligned to the clock. The table has a String
partition key "pk" and TTL on "expires_at"; ec2guard checks it at start
(dynamodb:DescribeTable, DescribeTimeToLive) and then uses GetItem, PutItem, UpdateItem and
DeleteItem on it.

Exit codes: 0 done; 1 an action failed (also when some input was rejected: a failure wins);
2 usage or rule-file error; 3 some input was not a valid event (reported with its position;
every valid event was still processed) and no action failed.`,
		Example: `  ec2guard handle -r examples/seeds.yaml --var topic=arn:aws:sns:us-east-1:123456789012:ops event.json
  zcat trail/*.json.gz | ec2guard handle -r rules.yaml --dry-run -`,
		RunE: func(cmd *cobra.Command, args []string) error {
			eng, closeFn, err := f.build(streams.ErrOut)
			if err != nil {
				return err
			}
			defer closeFn()
			if len(args) == 0 {
				args = []string{"-"}
			}
			return handleInputs(cmd.Context(), eng, args, streams, f.format)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&f.format, "format", "json", "decision records as json (one object per line) or text (aligned, for people)")
	return cmd
}

// handleInputs runs every input through the engine and sets the exit code from the outcomes.
func handleInputs(ctx context.Context, eng *engine.Engine, args []string, streams *IO, format string) (err error) {
	text, err := recordFormat(format)
	if err != nil {
		return err
	}
	colour := text && colorOut(streams.Out)
	// Records are buffered (a replayed log yields hundreds of thousands, and a write each
	// would cost more than deciding them) but flushed after any that changed or tried to
	// change AWS, so a killed run still leaves the record of every action it took.
	bw := bufio.NewWriterSize(streams.Out, 64<<10)
	defer func() {
		if ferr := bw.Flush(); ferr != nil && err == nil {
			err = fmt.Errorf("writing decisions: %w", ferr)
		}
	}()
	var rec []byte
	var rejected, failed int
	write := func(ds ...engine.Decision) error {
		flush := false
		for _, d := range ds {
			switch d.Outcome {
			case engine.Rejected:
				rejected++
			case engine.Failed:
				failed++
				flush = true
			case engine.Applied, engine.Suppressed:
				flush = true
			}
			if text {
				rec = appendText(rec[:0], d, colour)
			} else {
				rec = appendRecord(rec[:0], d)
			}
			if _, err := bw.Write(rec); err != nil {
				return fmt.Errorf("writing decisions: %w", err)
			}
		}
		if flush {
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("writing decisions: %w", err)
			}
		}
		return nil
	}
	// One input at a time, each closed when done: a replay may name thousands of log files.
	input := func(name string) error {
		var r io.Reader = streams.In
		if name != "-" {
			file, err := os.Open(name)
			if err != nil {
				return usageError(fmt.Errorf("opening input: %w", err))
			}
			defer file.Close()
			if fi, err := file.Stat(); err == nil && fi.IsDir() {
				return usageError(fmt.Errorf("%s is a folder: name its files (%s)", name, filepath.Join(name, "*.json")))
			}
			r = file
		} else {
			name = "stdin"
		}
		var werr error
		err := source.Decode(name, r, func(it source.Item) {
			if werr != nil || ctx.Err() != nil {
				return
			}
			if it.Err != nil {
				werr = write(engine.RejectedInput("", it.Pos, it.Err))
				return
			}
			ds := eng.Handle(ctx, it.Event)
			for i := range ds {
				if ds[i].Outcome == engine.Rejected {
					ds[i].Reason += " at " + it.Pos // the engine knows the event, not where it was
				}
			}
			werr = write(ds...)
		})
		if werr != nil {
			return werr
		}
		if err != nil {
			return usageError(err)
		}
		return nil
	}
	for _, name := range args {
		if err := input(name); err != nil {
			return err
		}
	}
	// A failure wins over a rejected input: exit 3 would say "everything valid was done".
	switch {
	case failed > 0 && rejected > 0:
		return exitCode(ExitFindings, fmt.Errorf("%s (see the failed records); %s", counted(failed, "action failed", "actions failed"), counted(rejected, "input was not a valid event", "inputs were not valid events")))
	case failed > 0:
		return exitCode(ExitFindings, fmt.Errorf("%s (see the failed records)", counted(failed, "action failed", "actions failed")))
	case rejected > 0:
		return exitCode(ExitRejected, fmt.Errorf("%s (see the rejected records)", counted(rejected, "input was not a valid event", "inputs were not valid events")))
	}
	return nil
}

// counted says n things in words: "1 action failed", "2 actions failed".
func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
