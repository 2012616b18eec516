package pattern

import (
	"bufio"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
)

// TestDifferentialMoto compares our matcher with moto's independent one (Python) on thousands
// of random valid patterns and events over scalar fields. Where moto is known to differ from
// AWS's documented behaviour, AWS wins and the case is counted under a named exception.
func TestDifferentialMoto(t *testing.T) {
	const n = 10000
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is required for the differential test against moto")
	}
	g := gen{r: rand.New(rand.NewPCG(7, 11))}
	type tc struct {
		Pattern string         `json:"pattern"`
		Event   map[string]any `json:"event"`
	}
	cases := make([]tc, n)
	var in strings.Builder
	for i := range cases {
		cases[i] = tc{Pattern: g.pattern(), Event: g.event()}
		if i%3 == 0 { // a third of the events are built to satisfy their pattern
			if ev, err := g.satisfying(cases[i].Pattern); err == nil {
				ev["source"], ev["detail-type"] = "test", "test"
				cases[i].Event = ev
			}
		}
		b, _ := json.Marshal(cases[i])
		in.Write(b)
		in.WriteByte('\n')
	}
	cmd := exec.Command(py, "testdata/moto_match.py")
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running moto's matcher (python3 with moto installed is required): %v", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	exceptions := map[string]int{}
	agree, matches := 0, 0
	for i := 0; sc.Scan(); i++ {
		c := cases[i]
		p, err := Parse([]byte(c.Pattern))
		if err != nil {
			t.Fatalf("case %d: generated pattern %s rejected: %v", i, c.Pattern, err)
		}
		ev, _ := json.Marshal(c.Event)
		ours, err := p.Matches(ev)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		theirs := sc.Text()
		if theirs != "true" && theirs != "false" {
			t.Fatalf("case %d: moto: %s\npattern %s", i, theirs, c.Pattern)
		}
		if ours {
			matches++
		}
		if (theirs == "true") == ours {
			agree++
			continue
		}
		if why := knownMotoDifference(c.Pattern, c.Event); why != "" {
			exceptions[why]++
			continue
		}
		t.Errorf("case %d: ours=%v moto=%s\npattern: %s\nevent:   %s", i, ours, theirs, c.Pattern, ev)
	}
	if agree+sum(exceptions) != n {
		t.Fatalf("compared %d of %d cases", agree+sum(exceptions), n)
	}
	if matches < n/10 {
		t.Fatalf("only %d of %d cases match: the generator explores too little", matches, n)
	}
	t.Logf("%d cases: %d agree (%d matches), known moto differences: %v", n, agree, matches, exceptions)
}

func sum(m map[string]int) int {
	s := 0
	for _, v := range m {
		s += v
	}
	return s
}

// knownMotoDifference names why moto's answer differs from AWS's documented behaviour for a
// case, or returns "" when no known difference applies.
func knownMotoDifference(pattern string, event map[string]any) string {
	var hasBool, hasEmpty bool
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case bool:
			hasBool = true
		case []any:
			if len(v) == 0 {
				hasEmpty = true
			}
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(event)
	// moto compares with Python's ==, where True == 1 and False == 0, and counts booleans as
	// numbers in numeric ranges; AWS compares JSON types: a boolean never equals a number
	// (docs: "Event patterns: matching values" — values are matched by JSON type).
	if hasBool && strings.ContainsAny(pattern, "0123456789") {
		return "numbers vs booleans"
	}
	// moto treats an empty array as a present value; AWS matches array elements, so [] holds
	// no value: exists:true does not match it and exists:false does (docs: "Matching on
	// null values and empty strings"; conformance case exists_list_empty_NEG).
	if hasEmpty && strings.Contains(pattern, `"exists"`) {
		return "exists on an empty array"
	}
	return ""
}
