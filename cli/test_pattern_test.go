package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTestPattern(t *testing.T) {
	dir := t.TempDir()
	pat := writeFile(t, dir, "p.json", `{"source":["aws.ec2"],"detail":{"state":["stopped"]}}`)
	bad := writeFile(t, dir, "bad.json", `{"detail":{"state":"stopped"}}`)
	stopped := writeFile(t, dir, "stopped.json", `{"source":"aws.ec2","detail":{"state":"stopped"}}`)
	running := writeFile(t, dir, "running.json", `{"source":"aws.ec2","detail":{"state":"running"}}`)
	bomPat := writeFile(t, dir, "bom-p.json", "\ufeff"+`{"source":["aws.ec2"],"detail":{"state":["stopped"]}}`)
	bomEvent := writeFile(t, dir, "bom-e.json", "\ufeff"+`{"source":"aws.ec2","detail":{"state":"stopped"}}`)
	tests := []struct {
		name     string
		stdin    string
		args     []string
		code     int
		out, err string
	}{
		{"match", "", []string{"test-pattern", pat, stopped}, 0, "match\n", ""},
		{"no match", "", []string{"test-pattern", pat, running}, 1, "no match\n", ""},
		{"stdin", `{"source":"aws.ec2","detail":{"state":"stopped"}}`, []string{"test-pattern", pat, "-"}, 0, "match\n", ""},
		{"invalid pattern", "", []string{"test-pattern", bad, stopped}, 2, "", "detail.state: match values must be in an array"},
		{"invalid event", "{", []string{"test-pattern", pat, "-"}, 3, "", "ec2guard: -: event is not valid JSON: unexpected end of input\n"},
		{"broken pretty event", "{\n  \"source\": \"aws.ec2\",\n  \"detail\" {}\n}", []string{"test-pattern", pat, "-"}, 3, "", "ec2guard: -: event is not valid JSON: line 3, column 12: invalid character '{' after object key\n"},
		{"array of events", `[{"source":"aws.ec2","detail":{"state":"stopped"}}]`, []string{"test-pattern", pat, "-"}, 3, "", "ec2guard: -: an event must be one JSON object, not an array (aws events test-event-pattern takes one event too; test each on its own, or run the file through ec2guard handle --dry-run)\n"},
		{"a string", `"x"`, []string{"test-pattern", pat, "-"}, 3, "", "ec2guard: -: an event must be a JSON object\n"},
		{"byte order marks", "", []string{"test-pattern", bomPat, bomEvent}, 0, "match\n", ""},
		{"missing file", "", []string{"test-pattern", filepath.Join(dir, "nope.json"), stopped}, 2, "", "reading pattern"},
		{"wrong arg count", "", []string{"test-pattern", pat}, 2, "", "accepts 2 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tt.stdin, tt.args...)
			exact := strings.HasSuffix(tt.err, "\n") // the whole of stderr
			if code != tt.code || out != tt.out || !strings.Contains(errOut, tt.err) || (exact && errOut != tt.err) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr containing %q", code, out, errOut, tt.code, tt.out, tt.err)
			}
		})
	}
}

// The README's quick start and examples/ must stay true.
func TestExamplePatterns(t *testing.T) {
	tests := []struct {
		pattern, event string
		code           int
	}{
		{"stop-protection.json", "instance-stopped.json", 0},
		{"policy-enforcement.json", "instance-stopped.json", 1},
		{"auto-tag.json", "run-instances.json", 0},
		{"auto-tag.json", "instance-stopped.json", 1},
	}
	for _, tt := range tests {
		code, out, errOut := runCLI(t, "", "test-pattern", filepath.Join("..", "examples", "patterns", tt.pattern), filepath.Join("..", "examples", "events", tt.event))
		if code != tt.code {
			t.Errorf("test-pattern %s %s: exit %d (%s%s), want %d", tt.pattern, tt.event, code, out, errOut, tt.code)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "", "--version")
	if code != 0 || !strings.HasPrefix(out, "ec2guard version ") || len(strings.TrimSpace(out)) <= len("ec2guard version ") {
		t.Fatalf("exit %d: %q", code, out)
	}
}
