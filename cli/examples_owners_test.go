package cli

import (
	"os"
	"path/filepath"
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
