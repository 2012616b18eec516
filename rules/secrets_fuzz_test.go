package rules

import (
	"regexp"
	"testing"
)

var secretFinding = regexp.MustCompile(`^(AWS secret access key|AWS session token|private key|private key \(base64 PEM\)|password|secret or API key) on line [0-9]+ of the user data$`)

// The secrets scanner takes any user data (binary, huge lines, broken gzip) without
// panicking, and says only which detector fired on which line: never any of the text.
func FuzzSecrets(f *testing.F) {
	for _, s := range []string{"", "#!/bin/bash\nDB_PASSWORD=Tr0ub4dor&3x\n", "\x1f\x8b\x08\x00broken", "-----BEGIN RSA PRIVATE KEY-----",
		"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8vT3LpQa", "API_KEY=9f8e7d6c5b4a39281706f5e4d3c2b1a0ffeeddcc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ud string) {
		if got := scanSecrets(ud); got != "" && !secretFinding.MatchString(got) {
			t.Fatalf("scanSecrets(%q) = %q", ud, got)
		}
	})
}
