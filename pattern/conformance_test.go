package pattern

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ec2guard/ec2guard/internal/testshared"
)

// json5ToJSON strips // comments and trailing commas, the only JSON5 the conformance cases use.
func json5ToJSON(src []byte) []byte {
	var out bytes.Buffer
	inStr := false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inStr {
			out.WriteByte(c)
			if c == '\\' && i+1 < len(src) {
				i++
				out.WriteByte(src[i])
			} else if c == '"' {
				inStr = false
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
			out.WriteByte(c)
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			out.WriteByte('\n')
		case c == ',':
			j := i + 1
			for j < len(src) && (src[j] == ' ' || src[j] == '\n' || src[j] == '\t' || src[j] == '\r' || (src[j] == '/' && j+1 < len(src) && src[j+1] == '/')) {
				if src[j] == '/' {
					for j < len(src) && src[j] != '\n' {
						j++
					}
					continue
				}
				j++
			}
			if j < len(src) && (src[j] == '}' || src[j] == ']') {
				continue
			}
			out.WriteByte(c)
		default:
			out.WriteByte(c)
		}
	}
	return out.Bytes()
}

type conformanceCase struct {
	Event        json.RawMessage
	EventPattern json.RawMessage
}

// TestConformance runs every AWS-validated case: NAME must match, NAME_NEG must not, NAME_EXC
// must be rejected.
func TestConformance(t *testing.T) {
	dir := testshared.Path(t, "conformance", "eventpattern")
	files, err := filepath.Glob(filepath.Join(dir, "*.json5"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 150 {
		t.Fatalf("found %d conformance cases in %s, want the full set", len(files), dir)
	}
	passed := 0
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json5")
		ok := t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var c conformanceCase
			if err := json.Unmarshal(json5ToJSON(src), &c); err != nil {
				t.Fatalf("reading case: %v", err)
			}
			pat := []byte(c.EventPattern)
			var s string
			if json.Unmarshal(pat, &s) == nil { // a few cases hold the pattern as a string
				pat = []byte(s)
			}
			p, err := Parse(pat)
			if strings.HasSuffix(name, "_EXC") {
				if err == nil {
					t.Fatalf("pattern %s was accepted; AWS rejects it", pat)
				}
				t.Logf("rejected: %v", err)
				return
			}
			if err != nil {
				t.Fatalf("pattern %s rejected: %v", pat, err)
			}
			got, err := p.Matches(c.Event)
			if err != nil {
				t.Fatalf("matching: %v", err)
			}
			if want := !strings.HasSuffix(name, "_NEG"); got != want {
				t.Fatalf("match = %v, want %v\npattern: %s\nevent: %s", got, want, pat, c.Event)
			}
		})
		if ok {
			passed++
		}
	}
	// The event and pattern with duplicate keys are kept in two plain JSON files.
	t.Run("complex_multi_key", func(t *testing.T) {
		ev, err := os.ReadFile(filepath.Join(dir, "complex_multi_key_event.json"))
		if err != nil {
			t.Fatal(err)
		}
		pat, err := os.ReadFile(filepath.Join(dir, "complex_multi_key_event_pattern.json"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Parse(pat)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := p.Matches(ev); err != nil || !ok {
			t.Fatalf("duplicate pattern keys: the last must win (match = %v, err = %v)", ok, err)
		}
	})
	t.Logf("%d/%d conformance cases pass", passed, len(files))
}
