package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/internal/benchdata"
)

// BenchmarkReplayDryRun is `ec2guard handle --dry-run` over CloudTrail log files, in process:
// reading (and gunzipping) them, matching every record, deciding (the creations' notify in dry
// run needs no AWS) and writing one decision record per event. PRODUCT §8: at least 100k
// events/s per core. scripts/bench.d/replay.sh times the same as a whole process.
func BenchmarkReplayDryRun(b *testing.B) {
	const files, perFile = 10, 2000
	dir := b.TempDir()
	var plain, gz []string
	for i := 0; i < files; i++ {
		log := benchdata.CloudTrailLog(benchdata.Trail{Records: perFile, Seed: uint64(i)})
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(log)
		zw.Close()
		for _, f := range []struct {
			names *[]string
			ext   string
			data  []byte
		}{{&plain, ".json", log}, {&gz, ".json.gz", z.Bytes()}} {
			name := filepath.Join(dir, "trail-"+string(rune('a'+i))+f.ext)
			if err := os.WriteFile(name, f.data, 0o600); err != nil {
				b.Fatal(err)
			}
			*f.names = append(*f.names, name)
		}
	}
	b.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1") // nothing listens: an AWS call would show as failures
	for _, bc := range []struct {
		name  string
		files []string
	}{{"plain", plain}, {"gzip", gz}} {
		b.Run(bc.name, func(b *testing.B) {
			args := append([]string{"handle", "-r", filepath.Join("..", "scripts", "bench.d", "replay.yaml"), "--dry-run", "--no-state"}, bc.files...)
			var errOut strings.Builder
			for b.Loop() {
				if code := Run(context.Background(), args, strings.NewReader(""), io.Discard, &errOut); code != 0 {
					b.Fatalf("exit %d: %s", code, errOut.String())
				}
			}
			b.ReportMetric(float64(files*perFile*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
