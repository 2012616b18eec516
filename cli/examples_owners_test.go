package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/rules"
)

// examples/owners.yaml, the README's example of owners, exceptions, calendars and schedules,
// is valid with the files it names.
func TestExampleOwnerRules(t *testing.T) {
	file := filepath.Join("..", "examples", "owners.yaml")
	code, out, errOut := runCLI(t, "", "validate", "-r", file)
	if code != 0 || errOut != "" {
		t.Fatalf("validate %s: exit %d\n%s%s", file, code, out, errOut)
	}
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	set, err := rules.Load(file, src, rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if set.Calendars["fr"] == nil || set.Schedules["office-hours"] == nil || set.Owners == nil || len(set.Rules[0].Exceptions) != 3 {
		t.Errorf("loaded %+v", set.Tables)
	}
}

// An owner map's webhook over http to loopback is refused, unless EC2GUARD_TEST_LOOPBACK_HTTP=1.
func TestLoopbackWebhookNeedsTheTestSwitch(t *testing.T) {
	dir := t.TempDir()
	rulesFile := filepath.Join(dir, "r.yaml")
	if err := os.WriteFile(rulesFile, []byte("owners: o.yaml\nrules:\n  - name: a\n    pattern: {source: [aws.ec2]}\n    actions: [stop, tell-owner]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "o.yaml"), []byte("fallback: {webhook: \"http://127.0.0.1:9/hook\"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "validate", "-r", rulesFile)
	if code == 0 || !strings.Contains(out+errOut, "o.yaml:1:21: the fallback: webhook: http://127.0.0.1:9/… is not https") {
		t.Errorf("without the switch: exit %d\n%s%s", code, out, errOut)
	}
	t.Setenv("EC2GUARD_TEST_LOOPBACK_HTTP", "1")
	if code, out, errOut := runCLI(t, "", "validate", "-r", rulesFile); code != 0 {
		t.Errorf("with the switch: exit %d\n%s%s", code, out, errOut)
	}
}
