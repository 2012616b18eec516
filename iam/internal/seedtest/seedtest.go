// Package seedtest reads the policies the seeds quote, for tests: the seed text is the
// source, never a copy in the repository.
package seedtest

import (
	"os"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/internal/testshared"
)

// TagBasedEC2RestrictionsPolicy returns seed 004's customer managed policy exactly as the
// seed prints it (RunInstances on *, owner-scoped stop/start/reboot/terminate).
func TagBasedEC2RestrictionsPolicy(tb testing.TB) string {
	tb.Helper()
	src, err := os.ReadFile(testshared.Path(tb, "seeds", "004_7a45a8eeeb43eb51.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	text := string(src)
	const intro = "The content of the customer managed policy" // the seed has non-breaking spaces further on
	i := strings.Index(text, intro)
	if i < 0 {
		tb.Fatal("seed 004: the policy's introduction is missing")
	}
	start := strings.IndexByte(text[i:], '{')
	if start < 0 {
		tb.Fatal("seed 004: no policy after the introduction")
	}
	start += i
	depth := 0
	for j := start; j < len(text); j++ {
		switch text[j] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return text[start : j+1]
			}
		}
	}
	tb.Fatal("seed 004: the policy does not end")
	return ""
}
