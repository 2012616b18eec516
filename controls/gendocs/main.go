// Command gendocs writes the controls reference page (go generate ./controls).
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/ec2guard/ec2guard/controls"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendocs OUTPUT.md")
		os.Exit(2)
	}
	var b bytes.Buffer
	if err := controls.Markdown(&b, controls.All()); err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(1)
	}
	if err := os.WriteFile(os.Args[1], b.Bytes(), 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "gendocs: %v\n", err)
		os.Exit(1)
	}
}
