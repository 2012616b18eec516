package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/queueurl"
	"github.com/ec2guard/ec2guard/source"
)

func newServeCommand(streams *IO) *cobra.Command {
	var f engineFlags
	var queue, metrics string
	var drain time.Duration
	var visibility, wait int32
	var handleTimeout, timer time.Duration
	cmd := &cobra.Command{
		Use:   "serve -r RULES --queue SQS_URL [--dry-run] [--state PATH | dynamodb://TABLE] [--metrics ADDR] [--timer DURATION]",
		Short: "Consume an SQS queue fed by EventBridge",
		Long: `serve long-polls an SQS queue that EventBridge rules deliver events to, and runs the rules on
each message. A message is deleted only after its decision records were written; a message
whose action failed, or that is not a valid event, is left in the queue to reappear and, after
the queue's redrive count, to reach its dead-letter queue. Visibility is extended while a
message is worked on.

Safety caps of a long-running consumer: the loop budget and the per-minute cap apply; the
per-run cap (--max-actions) only when given, since serve's run never ends. A message whose
action the per-minute cap held back stays in the queue and comes again after its visibility
timeout, when the minute has passed (counting towards the queue's redrive limit).

On SIGTERM or SIGINT it stops receiving, finishes the messages in hand (up to --drain), and
exits 0: no message is lost and none is acted on twice.

--state dynamodb://TABLE shares the ledger, the loop budget and the per-minute cap with
every other ec2guard process using the table (several serve replicas, the Lambda function):
see ec2guard handle --help for the table.

At start serve asks SQS for the queue once (sqs:GetQueueAttributes): a --queue that is not a
queue URL, a queue that does not exist and an endpoint that cannot be reached stop it with
exit 2. After a good start, errors of SQS are retried.

Rules driven by time — a grace's due action, a schedule's transitions, a min-age's re-check,
an exception that expires, a stopped-for or older-than filter — act when a scan runs, since
no event tells when their time comes: serve scans its region by those rules alone at start
and every --timer (default 5m; 0: never), as the deployed function's timer does (see deploy
template --help). A timer takes a rule's action on a resource at most once a day while it
keeps failing in the same state; replicas sharing a state table take it once between them.
On SIGTERM a scan in progress finishes the resource in hand (up to --drain) and stops.

--metrics ADDR serves Prometheus counters at http://ADDR/metrics.`,
		Example: `  ec2guard serve -r rules.yaml --queue https://sqs.us-east-1.amazonaws.com/123456789012/ec2guard --metrics 127.0.0.1:9464`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if queue == "" {
				return usageError(errors.New("--queue SQS_URL is required"))
			}
			if _, err := queueurl.Parse(queue); err != nil {
				return usageError(fmt.Errorf("--queue: %w", err))
			}
			f.detectSelf = true
			if !cmd.Flags().Changed("max-actions") {
				f.maxPerRun = -1 // a per-run cap would, in the end, stop a long-running consumer from acting at all
			}
			eng, closeFn, err := f.build(streams.ErrOut)
			if err != nil {
				return err
			}
			defer closeFn()
			logger := slog.New(slog.NewTextHandler(streams.ErrOut, nil))
			m := source.NewMetrics()
			if metrics != "" {
				ln, err := net.Listen("tcp", metrics)
				if err != nil {
					return usageError(fmt.Errorf("--metrics: %w", err))
				}
				mux := http.NewServeMux()
				mux.Handle("/metrics", m)
				srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
				go srv.Serve(ln) //nolint:errcheck // closed on return
				defer srv.Shutdown(context.Background())
				logger.Info("serving metrics", "addr", ln.Addr().String())
			}
			var mu sync.Mutex
			enc := json.NewEncoder(streams.Out)
			c := &source.Consumer{
				Queue: f.api, URL: queue, Handler: eng, Logger: logger, Metrics: m, Drain: drain, Visibility: visibility, Wait: wait, HandleTimeout: handleTimeout,
				Record: func(ds []engine.Decision) error {
					mu.Lock()
					defer mu.Unlock()
					for _, d := range ds {
						if err := enc.Encode(d); err != nil {
							return err
						}
					}
					return nil
				},
			}
			// A queue that is not there, or an endpoint that does not answer, stops serve here
			// (exit 2), as a missing state table does; after a good start errors are retried.
			if err := c.Check(cmd.Context()); err != nil {
				return usageError(fmt.Errorf("--queue %s: %w", queue, err))
			}
			var ticking sync.WaitGroup
			if timed := eng.Timer().Rules(); timer > 0 && len(timed) > 0 {
				region, err := f.api.DefaultRegion(cmd.Context())
				if err != nil {
					return usageError(fmt.Errorf("--timer: %w", err))
				}
				tk := &source.Ticker{Scanner: &source.Scanner{Lister: f.api, Engine: eng.Timer(), Regions: []string{region}, Now: clock()},
					Every: timer, Drain: drain, Emit: c.Record, Logger: logger, Now: clock()}
				logger.Info("timer", "every", timer, "region", region, "rules", strings.Join(timed, ","))
				ticking.Go(func() { tk.Run(cmd.Context()) })
			}
			logger.Info("consuming", "queue", queue, "dry_run", f.dryRun)
			err = c.Run(cmd.Context())
			ticking.Wait()
			return err
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&queue, "queue", "", "SQS queue URL")
	cmd.Flags().StringVar(&metrics, "metrics", "", "serve Prometheus metrics on this address (host:port)")
	cmd.Flags().DurationVar(&drain, "drain", 30*time.Second, "on shutdown, how long messages in hand may take to finish")
	cmd.Flags().Int32Var(&visibility, "visibility", 60, "seconds a received message stays hidden (extended while it is worked on); a failed one reappears after it")
	cmd.Flags().DurationVar(&timer, "timer", 5*time.Minute, "scan the region by the time-driven rules alone at start and this often (0: never)")
	cmd.Flags().Int32Var(&wait, "wait", 20, "long-poll seconds of each receive (1-20)")
	cmd.Flags().DurationVar(&handleTimeout, "handle-timeout", 5*time.Minute, fmt.Sprintf("longest handling of one message; a consumer's claims in the state table lapse this plus %s after it took them, "+
		"and a message another consumer's claim holds (it may have died) waits for that, plus %s, before its retry", engine.LeaseGrace, source.HoldMargin))
	return cmd
}
