// Package testshared locates ../shared (seeds, spec, conformance cases, corpora) beside the
// checkout, where tests and benchmarks read it. It is never copied into the repository.
package testshared

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the absolute path of the shared folder: $EC2GUARD_SHARED if set, else ../shared
// beside the module root. A missing folder fails the test: CI always has it.
func Dir(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("EC2GUARD_SHARED"); d != "" {
		return d
	}
	root, err := moduleRoot()
	if err != nil {
		tb.Fatalf("testshared: %v", err)
	}
	d := filepath.Join(filepath.Dir(root), "shared")
	if _, err := os.Stat(d); err != nil {
		tb.Fatalf("testshared: %s is missing (set EC2GUARD_SHARED): %v", d, err)
	}
	return d
}

// Path joins elem onto Dir.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	return filepath.Join(append([]string{Dir(tb)}, elem...)...)
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
