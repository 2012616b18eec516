package actions

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite README.md's actions table from the registry")

// The README's actions table is the registry's: an action added, renamed or documented anew
// shows there, or this test fails with the table it should have
// (go test ./actions -run TestReadmeActionsTable -update rewrites it).
func TestReadmeActionsTable(t *testing.T) {
	const begin, end = "<!-- actions table: generated from the registry (actions.Table); a test holds it -->\n", "<!-- end of actions table -->"
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no actions table between %q and %q", begin, end)
	}
	got, want := s[i+len(begin):j], Table()
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile("../README.md", []byte(s[:i+len(begin)]+want+s[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's actions table is stale (go test ./actions -run TestReadmeActionsTable -update rewrites it); it should read:\n%s", want)
}

func TestTableRows(t *testing.T) {
	tab := Table()
	rows := strings.Count(tab, "\n") - 2
	if rows != len(all) {
		t.Fatalf("%d rows for %d actions", rows, len(all))
	}
	for _, want := range []string{
		"| `stop` | yes |",
		"| `notify` | no |",
		"`topic` (required): the SNS topic ARN",
		"| `enable-ebs-encryption-by-default` | yes | turn on EBS encryption by default",
	} {
		if !strings.Contains(tab, want) {
			t.Errorf("table lacks %q:\n%s", want, tab)
		}
	}
	if cell("a|b\nc") != `a\|b c` {
		t.Errorf("cell: %q", cell("a|b\nc"))
	}
}
