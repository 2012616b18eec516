// Command ec2guard keeps EC2 fleets inside their guardrails.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ec2guard/ec2guard/cli"
	_ "github.com/ec2guard/ec2guard/internal/startheap/atstart"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
