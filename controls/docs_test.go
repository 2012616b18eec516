package controls

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDocsCurrent fails when docs/controls.md drifts from the registry.
func TestDocsCurrent(t *testing.T) {
	var b bytes.Buffer
	if err := Markdown(&b, All()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "docs", "controls.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Fatal("docs/controls.md is stale: run go generate ./controls")
	}
}

// TestReadmeTable fails when the README's table of controls drifts from the registry.
func TestReadmeTable(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- controls table: generated from the registry (controls.Table); a test holds it -->\n", "<!-- end of controls table -->"
	s := string(src)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no controls table between %q and %q", begin, end)
	}
	if got, want := s[i+len(begin):j], Table(All(), "docs/controls.md"); got != want {
		t.Errorf("README.md's controls table is stale; it should read:\n%s", want)
	}
}
