package pattern

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// FuzzParse: the parser never panics, and whatever it accepts compiles and matches.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"source":["aws.ec2"]}`, `{"a":[{"numeric":[">",0,"<=",5]}]}`, `{"$or":[{"a":["1"]},{"b":[2]}]}`,
		`{"a":[{"anything-but":{"wildcard":["*x*"]}}]}`, `{"a":[{"cidr":"10.0.0.0/8"}],"b":{"c":[null,true]}}`,
		`{"a":[{"prefix":{"equals-ignore-case":"X"}}]}`, `{"a":[{"exists":false}]}`, `[]`, `{`, `{"a":"b"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := Parse(src)
		if err != nil {
			return
		}
		m, err := Compile([]*Pattern{p, p})
		if err != nil {
			t.Fatalf("Compile of an accepted pattern: %v", err)
		}
		if _, err := m.Match([]byte(`{"a":"1","b":[2,{"c":null}],"source":"aws.ec2"}`), nil); err != nil {
			t.Fatalf("Match: %v", err)
		}
	})
}

// FuzzMatch: the matcher never panics on any input, accepts every valid JSON object, and
// agrees with itself across one and two compiled copies of a pattern.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{
		`{"source":"aws.ec2","detail":{"state":"stopped"}}`, `{"a":[{"b":1},{"b":[2,3]}]}`, `{"a":"\u00e9\ud83d\ude80"}`,
		`{"a":"1","a":"2"}`, `{"a":1e400}`, `{}`, `[`, `{"a":[[[[[]]]]]}`, `{"x":{"y":[1,,2]}}`,
	} {
		f.Add([]byte(s))
	}
	ps := []*Pattern{}
	for _, s := range []string{
		`{"a":["1"]}`, `{"a":[{"exists":false}]}`, `{"a":{"b":[1],"c":[2]}}`, `{"a":[{"numeric":[">",0]}]}`,
		`{"a":[{"anything-but":"x"}]}`, `{"$or":[{"a":[{"wildcard":"*1"}]},{"detail":{"state":[{"prefix":"st"}]}}]}`,
	} {
		p, err := Parse([]byte(s))
		if err != nil {
			f.Fatal(err)
		}
		ps = append(ps, p)
	}
	m, err := Compile(ps)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, event []byte) {
		got, err := m.Match(event, nil)
		var obj map[string]any
		if json.Unmarshal(event, &obj) == nil && err != nil {
			t.Fatalf("valid JSON object %q rejected: %v", event, err)
		}
		if err != nil {
			return
		}
		for _, i := range got {
			ok, err := ps[i].Matches(event)
			if err != nil || !ok {
				t.Fatalf("pattern %d matched within the set but not alone (%v)", i, err)
			}
		}
	})
}

// FuzzSatisfyingEvent: an event built to satisfy a generated pattern matches it.
func FuzzSatisfyingEvent(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Add(uint64(99), uint64(7))
	f.Fuzz(func(t *testing.T, a, b uint64) {
		checkSatisfying(t, gen{r: rand.New(rand.NewPCG(a, b))})
	})
}

// TestSatisfyingEvents runs the property over many seeds in every test run.
func TestSatisfyingEvents(t *testing.T) {
	g := gen{r: rand.New(rand.NewPCG(3, 5))}
	for i := 0; i < 3000; i++ {
		checkSatisfying(t, g)
	}
}

func checkSatisfying(t *testing.T, g gen) {
	t.Helper()
	pat := g.pattern()
	p, err := Parse([]byte(pat))
	if err != nil {
		t.Fatalf("generated pattern %s rejected: %v", pat, err)
	}
	ev, err := g.satisfying(pat)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(ev)
	if ok, err := p.Matches(raw); err != nil || !ok {
		t.Fatalf("event %s built to satisfy %s does not match (%v)", raw, pat, err)
	}
}
