package cli

import (
	"context"
	"errors"
	"io"

	"github.com/spf13/cobra"

	"github.com/ec2guard/ec2guard/examples"
	"github.com/ec2guard/ec2guard/internal/demo"
	"github.com/ec2guard/ec2guard/rules"
	"github.com/ec2guard/ec2guard/source"
)

func newDemoCommand(streams *IO) *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Run the seeds' three guardrails end to end on a local AWS emulator (moto)",
		Long: `demo starts moto_server on a free loopback port, builds a small fleet, and routes events
through moto's EventBridge → SQS → the serve loop with the rules of examples/seeds.yaml, printing
a timeline: a protected instance that is stopped is started again, a running instance without
the SPECIAL_EXCEPTION tag is stopped and the managers' topic is told, and new instances are
tagged with their creator. moto does not emit EC2 events by itself: the demo really stops and
starts instances on moto, then puts the events AWS would send. Nothing leaves this machine.

It needs moto_server (pip install "moto[server]").`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDemo(cmd.Context(), streams.Out)
		},
	}
}

// runDemo runs the demo with the engine ec2guard serve would build for examples/seeds.yaml.
func runDemo(ctx context.Context, out io.Writer) error {
	err := demo.Run(ctx, out, func(topicARN string) (*rules.Set, source.Handler, func(), error) {
		f := engineFlags{ruleFlags: ruleFlags{file: "examples/seeds.yaml", src: examples.Seeds, vars: []string{"topic=" + topicARN}},
			noState: true, maxPerRun: -1, maxPerMinute: -1, loopBudget: 3}
		set, err := f.load()
		if err != nil {
			return nil, nil, nil, err
		}
		eng, closeFn, err := f.build(io.Discard)
		if err != nil {
			return nil, nil, nil, err
		}
		return set, eng, closeFn, nil
	})
	switch {
	case errors.Is(err, demo.ErrNoMoto):
		return usageError(err)
	case errors.Is(err, demo.ErrIncomplete):
		return exitCode(ExitFindings, err)
	}
	return err
}
