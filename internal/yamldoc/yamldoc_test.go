package yamldoc

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// bomb is the classic "billion laughs": nine levels of nine aliases, 9^9 values in a few
// hundred bytes.
func bomb() string {
	var b strings.Builder
	b.WriteString("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	for c := 'b'; c <= 'i'; c++ {
		p := string(c - 1)
		fmt.Fprintf(&b, "%c: &%c [*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s,*%s]\n", c, c, p, p, p, p, p, p, p, p, p)
	}
	return b.String()
}

func TestParseBounds(t *testing.T) {
	tests := []struct {
		name, src string
		want      string // "line:col: message part"; "" = accepted
	}{
		{"alias bomb", bomb(), "6:8: aliases expand the document past 200000 values: an alias bomb?"},
		{"recursive alias", "pattern: &p {source: [*p]}\n", "1:23: alias *p refers to a value that contains it (anchor &p at 1:10)"},
		{"recursive alias, indirect", "a: &a\n  b: &b\n    c: [*a]\n", "3:9: alias *a refers to a value that contains it (anchor &a at 1:4)"},
		{"deep through aliases", deepAliases(30), "the document nests deeper than 100 levels"},
		{"deep as written", strings.Repeat("[", 150) + strings.Repeat("]", 150), "1:101: the document nests deeper than 100 levels"},
		{"aliases within budget", "a: &a {x: 1}\nb: [*a, *a, *a]\n", ""},
		{"empty", "", ""},
		{"syntax: unclosed list", "rules:\n  - name: [x\n", "2:11: sequence end token ']' not found"},
		{"syntax: unclosed mapping", "rules:\n  - name: a\n    pattern: {source: [x]\n    actions: [start]\n", "4:5: ',' or '}' must be specified"},
		{"syntax: tab", "rules:\n  - name: a\n\t- b\n", "3:1:"},
		{"syntax: mapping value", "rules:\n  - name: a\n    pattern: x: y\n", "3:14: mapping value is not allowed"},
		{"syntax: unterminated string", "rules:\n  - name: \"a\n", "2:11: could not find end character of double-quoted text"},
		{"syntax: bad indentation", "rules:\n  - name: a\n   bad: 1\n", "3:4:"},
		{"syntax: reserved character", "rules:\n  - name: a\n  - @x\n", "3:5:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := Parse([]byte(tt.src), Default)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Parse took %v", d)
			}
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want an *Error", err)
			}
			if !strings.Contains(e.Error(), tt.want) {
				t.Fatalf("error = %q\nwant it to contain %q", e, tt.want)
			}
		})
	}
}

// deepAliases nests n anchors of four levels each: 4n levels, each line a few bytes.
func deepAliases(n int) string {
	var b strings.Builder
	b.WriteString("a0: &a0 [[[[x]]]]\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "a%d: &a%d [[[[*a%d]]]]\n", i, i, i-1)
	}
	return b.String()
}

func TestBombIsSmall(t *testing.T) {
	if n := len(bomb()); n > 800 {
		t.Fatalf("the bomb is %d bytes", n)
	}
}
