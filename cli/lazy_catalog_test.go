package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/iam/catalog"
)

// The IAM action catalog is decoded on first use only: validate, handle and test-pattern
// never pay for it, iam check does. Each command runs in a fresh process (this test binary
// again), since a process decodes the catalog at most once.
func TestCatalogDecodedOnlyWhenNeeded(t *testing.T) {
	seeds := filepath.Join("..", "examples", "seeds.yaml")
	event := filepath.Join("..", "examples", "events", "instance-stopped.json")
	policy := writeFile(t, t.TempDir(), "p.json", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}}`)
	for _, tc := range []struct {
		args    []string
		decoded bool
	}{
		{[]string{"validate", "-r", seeds, "--var", "topic=arn:aws:sns:us-east-1:123456789012:ops"}, false},
		{[]string{"handle", "-r", seeds, "--var", "topic=arn:aws:sns:us-east-1:123456789012:ops", "--dry-run", "--no-state", event}, false},
		{[]string{"test-pattern", filepath.Join("..", "examples", "patterns", "stop-protection.json"), event}, false},
		{[]string{"iam", "check", policy}, true}, // the control: the probe sees a decode
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			probe := exec.Command(os.Args[0], "-test.run=^TestCatalogProbe$", "-test.count=1")
			probe.Env = append(os.Environ(), "EC2GUARD_CATALOG_PROBE="+strings.Join(tc.args, "\x1f"))
			out, err := probe.CombinedOutput()
			if err != nil {
				t.Fatalf("probe: %v\n%s", err, out)
			}
			want := fmt.Sprintf("catalog decoded: %v", tc.decoded)
			if !strings.Contains(string(out), want) {
				t.Errorf("ec2guard %s: want %q\n%s", strings.Join(tc.args, " "), want, out)
			}
		})
	}
}

// TestCatalogProbe runs one command (from EC2GUARD_CATALOG_PROBE) and says whether the
// catalog was decoded. On its own it does nothing.
func TestCatalogProbe(t *testing.T) {
	spec := os.Getenv("EC2GUARD_CATALOG_PROBE")
	if spec == "" {
		t.Skip("run by TestCatalogDecodedOnlyWhenNeeded")
	}
	if catalog.Decoded() {
		t.Fatal("decoded before the command ran")
	}
	code, _, errOut := runCLI(t, "", strings.Split(spec, "\x1f")...)
	fmt.Printf("exit %d, catalog decoded: %v\n%s", code, catalog.Decoded(), errOut)
}
