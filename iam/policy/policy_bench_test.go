package policy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ec2guard/ec2guard/internal/testshared"
)

// BenchmarkParseManagedCorpus parses every AWS managed policy once per iteration; the
// `iam check` corpus target (the whole corpus in under a second) depends on it.
func BenchmarkParseManagedCorpus(b *testing.B) {
	files, err := filepath.Glob(filepath.Join(testshared.Path(b, "corpus", "iam", "aws-managed"), "*.json"))
	if err != nil || len(files) == 0 {
		b.Fatalf("corpus: %v", err)
	}
	srcs := make([][]byte, len(files))
	size := 0
	for i, f := range files {
		if srcs[i], err = os.ReadFile(f); err != nil {
			b.Fatal(err)
		}
		size += len(srcs[i])
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		for i, src := range srcs {
			if _, err := Parse(files[i], src); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(srcs))/b.Elapsed().Seconds(), "policies/s")
}
