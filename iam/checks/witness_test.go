package checks

import (
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/iam/eval"
)

// A witness meets the conditions a check sets aside and defeats the Denys it set aside,
// so the policies as written allow it.
func TestWitness(t *testing.T) {
	env := testEnv(t)
	for _, tc := range []struct {
		name string
		doc  string
		want map[string]string // context keys the witness must carry
	}{
		{"mfa and source ip", pol(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"},"IpAddress":{"aws:SourceIp":"203.0.113.0/24"},"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}`),
			map[string]string{"aws:MultiFactorAuthPresent": "true", "aws:SourceIp": "203.0.113.0", "aws:MultiFactorAuthAge": "3599"}},
		{"deny without mfa", pol(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*"}`, `{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}`),
			map[string]string{"aws:MultiFactorAuthPresent": "true"}},
		{"variable", pol(`{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"StringEquals":{"aws:ResourceAccount":"${aws:PrincipalAccount}"}}}`),
			map[string]string{"aws:ResourceAccount": "111122223333"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := runCheck(t, env, ec2Terminate, "arn:aws:iam::111122223333:user/bob", "", tc.doc)
			if len(fs) != 1 || len(fs[0].Witness) != 1 {
				t.Fatalf("findings %+v", fs)
			}
			w := fs[0].Witness[0]
			if !w.Confirmed || w.Principal != "arn:aws:iam::111122223333:user/bob" || !strings.HasPrefix(w.Resource, "arn:aws:ec2:") {
				t.Errorf("witness %+v", w)
			}
			for k, v := range tc.want {
				if got, _ := eval.Context(w.Context).Lookup(k); len(got) != 1 || got[0] != v {
					t.Errorf("%s = %v, want %s (%+v)", k, got, v, w)
				}
			}
			if len(w.Deciding) == 0 {
				t.Error("no deciding statement")
			}
		})
	}
}
