package checks

import "testing"

func TestUnknownAction(t *testing.T) {
	runTable(t, policyUnknownAction, []tcase{
		{name: "known", docs: []string{pol(`{"Effect":"Allow","Action":["ec2:StopInstances","s3:Get*"],"Resource":"*"}`)}},
		{name: "seed's InstanceSecurityGroup", docs: []string{pol(`{"Effect":"Allow","Action":["ec2:AttachVolume","ec2:InstanceSecurityGroup"],"Resource":"*"}`)}, want: []string{"ec2:InstanceSecurityGroup"}},
		{name: "unknown service in a deny", docs: []string{pol(`{"Effect":"Deny","Action":"ec3:*","Resource":"*"}`)}, want: []string{"ec3:*"}},
		{name: "one finding per statement", docs: []string{pol(`{"Effect":"Allow","Action":"ec2:Nope","Resource":"*"}`, `{"Effect":"Allow","Action":"ec2:Nada","Resource":"*"}`)}, want: []string{"ec2:Nope", "ec2:Nada"}},
	})
}

func TestNotActionNotResource(t *testing.T) {
	runTable(t, policyNotAction, []tcase{
		{name: "allow NotAction", docs: []string{pol(`{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}`)}, want: []string{"iam:*,organizations:*"}},
		{name: "deny NotAction", docs: []string{pol(`{"Effect":"Deny","NotAction":"iam:*","Resource":"*"}`)}},
	})
	runTable(t, policyNotResource, []tcase{
		{name: "allow NotResource", docs: []string{pol(`{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}`)}, want: []string{"s3:*"}},
		{name: "deny NotResource", docs: []string{pol(`{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::logs/*"}`)}},
	})
}

func TestMalformed(t *testing.T) {
	env := testEnv(t)
	for _, tc := range []struct {
		name, src string
		msgs      int
		line, col int
	}{
		{"valid", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`, 0, 0, 0},
		{"2008 without variables", `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`, 0, 0, 0},
		{"missing effect", "{\"Version\":\"2012-10-17\",\n\"Statement\":[{\"Action\":\"ec2:*\",\"Resource\":\"*\"}]}", 1, 2, 14},
		{"two problems", `{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"ec2:*","Resource":"*","Condition":{"Foo":{"k":"v"}}}]}`, 2, 1, 48},
		{"no action", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`, 1, 1, 38},
		{"truncated", `{"Version":"2012-10-17","Statement":[`, 1, 0, 0},
		{"empty", ``, 1, 0, 0},
		{"no resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*"}]}`, 1, 1, 38},
		{"no resource, trust policy", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`, 0, 0, 0},
		{"no resource and no action: one problem", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}`, 1, 1, 38},
		{"resource not ARN", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::a","bucket"]}]}`, 1, 1, 38},
		{"condition variable without version", `{"Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/o":"${aws:userid}"}}}]}`, 1, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := policyMalformed.RunDocument(env, load(t, "m.json", tc.src))
			if len(fs) != tc.msgs {
				t.Fatalf("%d findings, want %d: %+v", len(fs), tc.msgs, fs)
			}
			if tc.line > 0 && (fs[0].Loc.Line != tc.line || fs[0].Loc.Column != tc.col) {
				t.Errorf("at %v, want %d:%d", fs[0].Loc, tc.line, tc.col)
			}
		})
	}
}

// TestHygieneIAMRejects holds the Sid and Principal rules to where IAM applies them: an
// identity policy (known, or a document naming no principal), never a resource-based
// policy of another service read from a plain file.
func TestHygieneIAMRejects(t *testing.T) {
	env := testEnv(t)
	stmt := func(sid, extra string) string {
		s := `{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*"` + extra
		if sid != "" {
			s = `{"Sid":"` + sid + `",` + s[1:]
		}
		return s + "}"
	}
	principal := `,"Principal":{"AWS":"arn:aws:iam::111122223333:role/ops"}`
	for _, tc := range []struct {
		name     string
		check    *Check
		src      string
		identity bool
		want     int
	}{
		{"duplicate", policyDuplicateSid, pol(stmt("A", ""), stmt("B", ""), stmt("A", ""), stmt("A", "")), false, 2},
		{"duplicate is case-sensitive", policyDuplicateSid, pol(stmt("Ops", ""), stmt("ops", "")), false, 0},
		{"no Sids are not duplicates", policyDuplicateSid, pol(stmt("", ""), stmt("", "")), true, 0},
		{"duplicate in a resource policy file", policyDuplicateSid, pol(stmt("A", principal), stmt("A", principal)), false, 0},
		{"duplicate in a known identity policy with a principal", policyDuplicateSid, pol(stmt("A", principal), stmt("A", "")), true, 1},
		{"underscore", policySidCharacters, pol(stmt("Allow_Stop", "")), false, 1},
		{"unicode letter", policySidCharacters, pol(stmt("Arrêt", "")), true, 1},
		{"alphanumeric", policySidCharacters, pol(stmt("AllowStop1", ""), stmt("", "")), true, 0},
		{"spaced Sid in a bucket policy file", policySidCharacters, pol(stmt("Allow stop", principal)), false, 0},
		{"principal in a known identity policy", policyIdentityPrincipal, pol(stmt("", principal), stmt("", `,"NotPrincipal":"*"`), stmt("", "")), true, 2},
		{"principal in a plain file", policyIdentityPrincipal, pol(stmt("", principal)), false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := load(t, "h.json", tc.src)
			d.Identity = tc.identity
			if fs := tc.check.RunDocument(env, d); len(fs) != tc.want {
				t.Fatalf("%d findings, want %d: %+v", len(fs), tc.want, fs)
			}
		})
	}
}
