package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// maxBinary bounds the size of a plain go build. Anything that calls methods by name through
// reflection (text/template or html/template executing, reflect's MethodByName with a
// computed name) stops the linker from dropping the unused methods of every type — the EC2
// client's thousand-odd among them — and the binary grows past 80 MB, and with it every cold
// start's memory. Today's binary is about 34 MB.
const maxBinary = 45 << 20

// build is one plain go build of the command, shared by the tests of this file.
var build = sync.OnceValues(func() (string, error) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "ec2guard-build")
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, "ec2guard")
	if b, err := exec.Command(goBin, "build", "-o", out, ".").CombinedOutput(); err != nil {
		return "", &buildError{err, b}
	}
	return out, nil
})

type buildError struct {
	err error
	out []byte
}

func (e *buildError) Error() string { return "go build: " + e.err.Error() + "\n" + string(e.out) }

func TestMain(m *testing.M) {
	code := m.Run()
	if bin, err := build(); err == nil {
		os.RemoveAll(filepath.Dir(bin))
	}
	os.Exit(code)
}

func binary(t *testing.T) string {
	t.Helper()
	bin, err := build()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func TestBinaryStaysLean(t *testing.T) {
	fi, err := os.Stat(binary(t))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > maxBinary {
		t.Fatalf("go build makes a %.1f MB binary, over %d MB: has something started calling methods by name through reflection (a template's Execute)?", float64(fi.Size())/(1<<20), maxBinary>>20)
	}
	t.Logf("binary: %.1f MB", float64(fi.Size())/(1<<20))
}

// The packages' initialization allocates over 3 MB (the SDK clients' schemas and endpoint
// tables), near Go's first collection at about 4 MB: internal/startheap/atstart must raise
// that goal before they run, or a collection starts during them (in about one cold start of
// three) and runs through a cold handle. Ten cold starts, none with a collection.
func TestNoCollectionDuringInit(t *testing.T) {
	bin := binary(t)
	env := append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "GOGC=") || strings.HasPrefix(kv, "GODEBUG=")
	}), "GODEBUG=inittrace=1,gctrace=1")
	for run := range 10 {
		cmd := exec.Command(bin, "--version")
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("ec2guard --version: %v\n%s", err, stderr.Bytes())
		}
		var inits int
		var allocated int64
		sc := bufio.NewScanner(&stderr)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "init "):
				inits++
				// init PKG @T ms, T ms clock, B bytes, N allocs
				if f := strings.Fields(line); len(f) >= 8 {
					b, _ := strconv.ParseInt(f[7], 10, 64)
					allocated += b
				}
			case strings.HasPrefix(line, "gc "):
				t.Fatalf("cold start %d: a garbage collection ran after %d package inits (%d bytes allocated by them): %s", run+1, inits, allocated, line)
			}
		}
		if inits == 0 {
			t.Fatalf("no inittrace lines on standard error:\n%s", stderr.Bytes())
		}
		if run == 0 {
			t.Logf("%d package inits allocate %.1f MB", inits, float64(allocated)/(1<<20))
		}
	}
}
