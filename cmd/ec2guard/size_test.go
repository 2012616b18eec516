package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// maxBinary bounds the size of a plain go build. Anything that calls methods by name through
// reflection (text/template or html/template executing, reflect's MethodByName with a
// computed name) stops the linker from dropping the unused methods of every type — the EC2
// client's thousand-odd among them — and the binary grows past 80 MB, and with it every cold
// start's memory. Today's binary is about 34 MB.
const maxBinary = 45 << 20

func TestBinaryStaysLean(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go not found on PATH: %v", err)
	}
	out := filepath.Join(t.TempDir(), "ec2guard")
	cmd := exec.Command(goBin, "build", "-o", out, ".")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > maxBinary {
		t.Fatalf("go build makes a %.1f MB binary, over %d MB: has something started calling methods by name through reflection (a template's Execute)?", float64(fi.Size())/(1<<20), maxBinary>>20)
	}
	t.Logf("binary: %.1f MB", float64(fi.Size())/(1<<20))
}
