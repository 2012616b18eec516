package cli

import (
	"encoding/json"
	"path/filepath"
	"sort"
	"testing"

	"github.com/ec2guard/ec2guard/internal/testshared"
)

// TestIAMCheckWitnessesSimulate takes every witness iam check reports on the 1,567 AWS
// managed policies (each a policy file on its own) and asks iam simulate, as a user would
// with the policy file and the witness's request: every one is allowed.
func TestIAMCheckWitnessesSimulate(t *testing.T) {
	dir := testshared.Path(t, "corpus", "iam", "aws-managed")
	code, out, errOut := runCLI(t, "", "iam", "check", dir, "--format", "json", "--fail-on", "none")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r struct {
		Findings []struct {
			ID       string
			Location struct{ File string }
			Witness  []struct {
				Principal, Action, Resource string
				Context                     map[string][]string
				Confirmed                   bool
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range r.Findings {
		for _, w := range f.Witness {
			n++
			args := []string{"iam", "simulate", "--policy", filepath.Clean(f.Location.File), "--action", w.Action, "--resource", w.Resource, "--format", "json"}
			if w.Principal != "" {
				args = append(args, "--principal", w.Principal)
			}
			keys := make([]string, 0, len(w.Context))
			for k := range w.Context {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				for _, v := range w.Context[k] {
					args = append(args, "--context", k+"="+v)
				}
			}
			code, sim, errOut := runCLI(t, "", args...)
			var d struct{ Decision string }
			if code != 0 || json.Unmarshal([]byte(sim), &d) != nil || d.Decision != "allowed" || !w.Confirmed {
				t.Errorf("%s %s: witness %+v: simulate exit %d, %s %s", f.ID, f.Location.File, w, code, sim, errOut)
			}
		}
	}
	t.Logf("%d witnesses of %d findings allowed by iam simulate", n, len(r.Findings))
	if n < 400 {
		t.Errorf("only %d witnesses: the corpus or the checks moved", n)
	}
}
