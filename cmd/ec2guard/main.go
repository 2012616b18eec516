// Command ec2guard keeps EC2 fleets inside their guardrails.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ec2guard/ec2guard/cli"
	"github.com/ec2guard/ec2guard/internal/startheap"
)

func main() {
	// One event handled as a whole process fits in 16 MB of heap: no collection at all.
	startheap.Adjust(16 << 20)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
