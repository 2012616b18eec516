// Package npmtest installs the npm packages tests use as independent references into the
// user's cache directory, once per pinned version. They are test-only tools: never vendored,
// never shipped.
package npmtest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Install returns the node_modules folder of the cache folder named dir holding packages
// (each "name@version", scoped names included), installing those that are missing or at
// another version. A machine without node or npm fails the test: the proof must not
// silently vanish.
func Install(tb testing.TB, dir string, packages ...string) string {
	tb.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Fatalf("this test needs %s on PATH: %v", tool, err)
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		tb.Fatalf("finding the cache directory: %v", err)
	}
	prefix := filepath.Join(cache, dir)
	modules := filepath.Join(prefix, "node_modules")
	var missing []string
	for _, p := range packages {
		if installed(modules, p) != "" {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return modules
	}
	args := append([]string{"install", "--no-audit", "--no-fund", "--prefix", prefix}, missing...)
	if out, err := exec.Command("npm", args...).CombinedOutput(); err != nil {
		tb.Fatalf("installing %s: %v\n%s", strings.Join(missing, " "), err, out)
	}
	for _, p := range missing {
		if why := installed(modules, p); why != "" {
			tb.Fatalf("installing %s: %s", p, why)
		}
	}
	return modules
}

// installed says why the package is not installed at its version ("" when it is).
func installed(modules, spec string) string {
	at := strings.LastIndexByte(spec, '@')
	if at <= 0 {
		return "no version pinned (want name@version)"
	}
	name, version := spec[:at], spec[at+1:]
	src, err := os.ReadFile(filepath.Join(modules, filepath.FromSlash(name), "package.json"))
	if err != nil {
		return "not installed"
	}
	var meta struct{ Version string }
	if err := json.Unmarshal(src, &meta); err != nil || meta.Version != version {
		return "installed at version " + meta.Version
	}
	return ""
}
