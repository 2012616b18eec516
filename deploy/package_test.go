package deploy

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"runtime"
	"testing"
)

func TestPackage(t *testing.T) {
	bin := []byte("\x7fELF bootstrap")
	rulesSrc := []byte("rules: []\n")
	var a, b bytes.Buffer
	if err := Package(&a, bin, rulesSrc); err != nil {
		t.Fatal(err)
	}
	if err := Package(&b, bin, rulesSrc); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same inputs made different packages")
	}
	zr, err := zip.NewReader(bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		mode os.FileMode
		data []byte
	}{"bootstrap": {0o755, bin}, "rules.yaml": {0o644, rulesSrc}}
	if len(zr.File) != len(want) {
		t.Fatalf("%d entries, want %d", len(zr.File), len(want))
	}
	for _, f := range zr.File {
		w, ok := want[f.Name]
		if !ok {
			t.Fatalf("unexpected entry %s", f.Name)
		}
		if f.Mode() != w.mode {
			t.Errorf("%s: mode %v, want %v", f.Name, f.Mode(), w.mode)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, w.data) {
			t.Errorf("%s: content %q", f.Name, got)
		}
	}
}

func TestArch(t *testing.T) {
	if _, _, err := Arch([]byte("#!/bin/sh\necho not a binary\n")); err == nil {
		t.Error("a script was taken for a Linux executable")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the test binary is not a Linux executable on " + runtime.GOOS)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	arch, _, err := Arch(bin)
	want := map[string]string{"amd64": "x86_64", "arm64": "arm64"}[runtime.GOARCH]
	if err != nil || arch != want {
		t.Errorf("Arch(test binary) = %q, %v; want %q", arch, err, want)
	}
}
