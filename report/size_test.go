package report

import (
	"bytes"
	"testing"
	"time"
)

// TestReportSize100k holds the page of 100k control records (and 10k decisions) under
// 5 MB (PRODUCT §8); the browser test holds its rendering under 2 s.
func TestReportSize100k(t *testing.T) {
	in := fleet(100_000)
	start := time.Now()
	var b bytes.Buffer
	if err := HTML(&b, Build(in)); err != nil {
		t.Fatal(err)
	}
	t.Logf("100k records: %d bytes (%.2f MB), built and written in %v", b.Len(), float64(b.Len())/1e6, time.Since(start).Round(time.Millisecond))
	if b.Len() >= 5_000_000 {
		t.Errorf("the report of 100k records weighs %d bytes, want < 5 MB", b.Len())
	}
}

func BenchmarkHTML100k(b *testing.B) {
	in := fleet(100_000)
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := HTML(&buf, Build(in)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
}
