package analyze

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/iam/checks"
	"github.com/ec2guard/ec2guard/iam/eval"
	"github.com/ec2guard/ec2guard/iam/policy"
	"github.com/ec2guard/ec2guard/internal/testshared"
)

// TestWitnessesConfirmed runs every witness that the shared corpora and the examples
// produce through the evaluator iam simulate uses, compiled afresh from the principal's
// policies as written: each principal finding must carry a witness, and each must be
// allowed. A witness the check could not confirm (a grant that hangs on a condition it
// does not choose values for) must say why, and is counted.
func TestWitnessesConfirmed(t *testing.T) {
	inputs := []string{
		testshared.Path(t, "corpus", "iam", "aws-managed"),
		testshared.Path(t, "corpus", "iam", "authz"),
		filepath.Join("..", "..", "examples", "iam"),
		filepath.Join("..", "..", "examples", "deploy"),
	}
	inv, err := Load(inputs)
	if err != nil {
		t.Fatal(err)
	}
	// A label names a principal in its input: every template of examples/deploy has a
	// FunctionRole of its own.
	subjects := map[string]*checks.Subject{}
	key := func(label, file string) string { return label + "|" + file }
	for _, s := range inv.Subjects {
		file := ""
		if len(s.Identity) > 0 {
			file = s.Identity[0].Loc.File
		}
		subjects[key(s.Label(), file)] = s
	}
	res, err := Run(env(t), nil, inv, nil)
	if err != nil {
		t.Fatal(err)
	}
	witnesses, confirmed, principalFindings := 0, 0, 0
	var unconfirmed []string
	for _, f := range res.Findings {
		c, _ := checks.ByID(f.ID)
		if c.Scope != checks.ScopePrincipal || f.ID == "IAM-POLICY-8" {
			continue
		}
		principalFindings++
		if len(f.Witness) == 0 {
			t.Errorf("%s %s %s: no witness", f.ID, f.Principal, f.Policy)
			continue
		}
		label := f.Principal
		if label == "" {
			label = f.Policy
		}
		s := subjects[key(label, f.Loc.File)]
		if s == nil {
			t.Fatalf("%s: no subject %q in %s", f.ID, label, f.Loc.File)
		}
		ev, err := eval.Compile(eval.PolicySet{Identity: s.Identity, Boundary: s.Boundary})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range f.Witness {
			witnesses++
			got := ev.Decide(w.Request())
			if w.Confirmed != (got == eval.Allowed) {
				t.Errorf("%s %s: witness says confirmed=%v, the evaluator %v: %+v", f.ID, label, w.Confirmed, got, w)
			}
			if got == eval.Allowed {
				confirmed++
				continue
			}
			if w.Note == "" {
				t.Errorf("%s %s: an unconfirmed witness says not why: %+v", f.ID, label, w)
			}
			unconfirmed = append(unconfirmed, f.ID+" "+label+" "+f.Statement)
		}
	}
	t.Logf("%d principal findings, %d witnesses, %d confirmed; unconfirmed: %s", principalFindings, witnesses, confirmed, strings.Join(unconfirmed, "; "))
	if principalFindings == 0 {
		t.Fatal("no principal finding: the corpus moved")
	}
	if len(unconfirmed) > 0 {
		t.Errorf("%d witnesses are not confirmed", len(unconfirmed))
	}
	_ = policy.Allow
}
