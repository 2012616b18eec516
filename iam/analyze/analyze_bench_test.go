package analyze

import (
	"testing"

	"github.com/ec2guard/ec2guard/internal/testshared"
)

// BenchmarkManagedCorpus: read, parse and check all 1,567 AWS managed policies (the catalog
// is loaded once per process, as in the binary).
func BenchmarkManagedCorpus(b *testing.B) {
	dir := testshared.Path(b, "corpus", "iam", "aws-managed")
	e := env(b)
	for b.Loop() {
		inv, err := Load([]string{dir})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Run(e, nil, inv, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*1567/b.Elapsed().Seconds(), "policies/s")
}
