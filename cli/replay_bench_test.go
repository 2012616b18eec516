package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/internal/benchdata"
)

// BenchmarkReplayDryRun is `ec2guard handle --dry-run` over a CloudTrail log file, in process:
// decoding the log, matching every record, deciding (the creations' notify in dry run needs
// no AWS) and writing one decision record per event. PRODUCT §8: at least 100k events/s per
// core. scripts/bench.d/replay.sh times the same as a whole process.
func BenchmarkReplayDryRun(b *testing.B) {
	const records = 20000
	log := filepath.Join(b.TempDir(), "trail.json")
	if err := os.WriteFile(log, benchdata.CloudTrailLog(benchdata.Trail{Records: records, Seed: 1}), 0o600); err != nil {
		b.Fatal(err)
	}
	args := []string{"handle", "-r", filepath.Join("..", "scripts", "bench.d", "replay.yaml"), "--dry-run", "--no-state", log}
	b.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1") // nothing listens: an AWS call would show as failures
	var errOut strings.Builder
	for b.Loop() {
		if code := Run(context.Background(), args, strings.NewReader(""), io.Discard, &errOut); code != 0 {
			b.Fatalf("exit %d: %s", code, errOut.String())
		}
	}
	b.ReportMetric(float64(records*b.N)/b.Elapsed().Seconds(), "events/s")
}
