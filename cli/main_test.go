package cli

import (
	"context"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"

	"github.com/ec2guard/ec2guard/internal/mototest"
)

// beCLI makes the test binary the ec2guard command (see ec2guardProcess).
const beCLI = "EC2GUARD_TEST_BE_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(beCLI) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(mototest.Main(m))
}

// ec2guardProcess returns ec2guard args as a process of its own — the test binary acting as
// the command, as cmd/ec2guard does — for tests that kill it or speak to it over the network.
// env is added to this process's environment (the moto settings mototest exported).
func ec2guardProcess(t *testing.T, env map[string]string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), beCLI+"=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}
