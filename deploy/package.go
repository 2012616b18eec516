package deploy

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/ec2guard/ec2guard/rules"
)

// ErrNotELF is Arch's error for a file that is no Linux executable at all (a script, a
// README, a macOS or Windows build).
var ErrNotELF = errors.New("not a Linux executable (ELF)")

// Arch tells which Lambda architecture an executable was built for ("x86_64" or "arm64"),
// and whether it links dynamically (provided.al2023 runs it, but a static build is the one
// `make build` makes and tests).
func Arch(binary []byte) (arch string, dynamic bool, err error) {
	f, err := elf.NewFile(bytes.NewReader(binary))
	if err != nil {
		return "", false, ErrNotELF
	}
	defer f.Close()
	switch f.Machine {
	case elf.EM_X86_64:
		arch = "x86_64"
	case elf.EM_AARCH64:
		arch = "arm64"
	default:
		return "", false, fmt.Errorf("the bootstrap is built for %s; Lambda runs x86_64 or arm64 (GOOS=linux GOARCH=amd64|arm64 make build)", f.Machine)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			dynamic = true
		}
	}
	return arch, dynamic, nil
}

// Package writes the function's deployment package: the executable as "bootstrap" (what the
// provided.al2023 runtime runs) and the rule file as "rules.yaml" (EC2GUARD_RULES). Entries
// carry a fixed time, so the same inputs make the same bytes (and the same S3 ETag).
func Package(w io.Writer, binary, ruleFile []byte) error {
	zw := zip.NewWriter(w)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range []struct {
		name string
		mode uint32
		data []byte
	}{{"bootstrap", 0o755, binary}, {"rules.yaml", 0o644, ruleFile}} {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: at}
		h.SetMode(fs.FileMode(e.mode))
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return fmt.Errorf("writing the package: %w", err)
		}
		if _, err := fw.Write(e.data); err != nil {
			return fmt.Errorf("writing the package: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("writing the package: %w", err)
	}
	return nil
}

// UsedVars returns the variables a rule file refers to, with their values from vars.
func UsedVars(ruleFile []byte, vars map[string]string) map[string]string {
	out := map[string]string{}
	for _, name := range rules.VarNames(ruleFile) {
		if v, ok := vars[name]; ok {
			out[name] = v
		}
	}
	return out
}
