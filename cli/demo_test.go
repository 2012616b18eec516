package cli

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/internal/motoserver"
)

func TestDemo(t *testing.T) {
	// The demo points the process's AWS configuration at its own moto; restore ours after.
	for k := range (&motoserver.Server{}).Env() {
		t.Setenv(k, os.Getenv(k))
	}
	var out bytes.Buffer
	if err := runDemo(context.Background(), &out); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"restart-protected        start  web-1: applied",
		"stop-without-exception   stop   batch-7: applied",
		"db-1: filter at examples/seeds.yaml",
		"auto-tag-creator         tag    alice-dev: applied",
		"Owner=alice PrincipalId=AROADEMOEXAMPLE:alice",
		"managers' topic received 2 messages",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the timeline lacks %q:\n%s", want, out.String())
		}
	}
}
