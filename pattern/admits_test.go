package pattern

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestAdmitsWithout(t *testing.T) {
	for _, c := range []struct {
		pattern string
		want    bool
	}{
		{`{"source":["aws.ec2"]}`, false},
		{`{"source":["aws.ec2","aws.securityhub"],"detail-type":["x"]}`, false},
		{`{"source":[{"prefix":"aws."}]}`, false},
		{`{"source":[{"prefix":"aws.e"}]}`, false},
		{`{"source":[{"wildcard":"aws.*"}]}`, false},
		{`{"source":[{"wildcard":"aws.*.x*"}]}`, false},
		{`{"source":[{"numeric":[">",0]}]}`, false}, // a source is a string
		{`{"source":[{"exists":false},"aws.ec2"]}`, true},
		{`{"source":["aws.ec2"],"$or":[{"source":["aws.ec2"]},{"detail-type":["x"]}]}`, false},
		{`{"detail-type":["EC2 Instance State-change Notification"]}`, true},
		{`{"source":["aws.ec2","mallory.app"]}`, true},
		{`{"source":[{"prefix":"aws"}]}`, true},
		{`{"source":[{"prefix":""}]}`, true},
		{`{"source":[{"prefix":{"equals-ignore-case":"aws."}}]}`, true},
		{`{"source":[{"equals-ignore-case":"aws.ec2"}]}`, true},
		{`{"source":[{"suffix":".ec2"}]}`, true},
		{`{"source":[{"suffix":{"equals-ignore-case":"aws.ec2"}}]}`, true},
		{`{"source":[{"anything-but":"mallory.app"}]}`, true},
		{`{"source":[{"anything-but":["x0","y0","x1","y1","mallory.app"]}]}`, true},
		{`{"source":[{"anything-but":{"prefix":"mallory"}}]}`, true},
		{`{"source":[{"anything-but":{"suffix":"app"}}]}`, true},
		{`{"source":[{"anything-but":{"equals-ignore-case":["mallory.app"]}}]}`, true},
		{`{"source":[{"anything-but":{"wildcard":"*"}}]}`, false},
		{`{"source":[{"anything-but":{"wildcard":["m*","*.app"]}}]}`, true},
		{`{"source":[{"wildcard":"aws*"}]}`, true},
		{`{"source":[{"wildcard":"*.ec2"}]}`, true},
		{`{"source":[{"exists":true}]}`, true},
		{`{"source":[{"cidr":"10.0.0.0/8"}]}`, true},
		{`{"$or":[{"source":["aws.ec2"]},{"detail-type":["x"]}]}`, true},
		{`{"$or":[{"source":["aws.ec2"]},{"source":[{"prefix":"m"}]}]}`, true},
		{`{"source":[{"prefix":"m"}],"$or":[{"source":[{"suffix":"p"}]},{"source":[{"suffix":"q"}]}]}`, true},
	} {
		p, err := Parse([]byte(c.pattern))
		if err != nil {
			t.Fatalf("%s: %v", c.pattern, err)
		}
		ex, absent, ok := p.AdmitsWithout("source", "aws.")
		if ok != c.want {
			t.Errorf("%s: admits another source %v (example %q, absent %v), want %v", c.pattern, ok, ex, absent, c.want)
			continue
		}
		if !ok || ex == "" && !absent || len(p.Fields()) > 1 || p.Fields()[0] != "source" {
			continue // the example event below satisfies the source only
		}
		ev := map[string]any{"id": "1", "detail-type": "x", "detail": map[string]any{}}
		if !absent {
			ev["source"] = ex
		}
		raw, _ := json.Marshal(ev)
		if m, err := p.Matches(raw); err != nil || !m {
			t.Errorf("%s: the example %s does not match (%v)", c.pattern, raw, err)
		}
	}
}

// The property, over the generator's patterns: every example AdmitsWithout gives is one the
// pattern matches (with the rest of a satisfying event), and whenever an event lacking the
// prefix at the path matches, AdmitsWithout says so.
func TestAdmitsWithoutProperty(t *testing.T) {
	g := gen{r: rand.New(rand.NewPCG(11, 13))}
	prefixes := []string{"al", "a", "alpha", "10.", "x/", "be", "B", "é"}
	for i := 0; i < 3000; i++ {
		checkAdmits(t, g, prefixes[i%len(prefixes)])
	}
}

func FuzzAdmitsWithout(f *testing.F) {
	f.Add(uint64(1), uint64(2), "al")
	f.Add(uint64(5), uint64(8), "10.")
	f.Fuzz(func(t *testing.T, a, b uint64, prefix string) {
		checkAdmits(t, gen{r: rand.New(rand.NewPCG(a, b))}, prefix)
	})
}

func checkAdmits(t *testing.T, g gen, prefix string) {
	t.Helper()
	pat := g.pattern()
	p, err := Parse([]byte(pat))
	if err != nil {
		t.Fatalf("generated pattern %s rejected: %v", pat, err)
	}
	ex, absent, ok := p.AdmitsWithout("a", prefix)
	if ok {
		ev, err := g.satisfying(pat)
		if err != nil {
			t.Fatal(err)
		}
		if absent {
			delete(ev, "a")
		} else {
			if strings.HasPrefix(ex, prefix) {
				t.Fatalf("%s: example %q has the prefix %q", pat, ex, prefix)
			}
			ev["a"] = ex
		}
		raw, _ := json.Marshal(ev)
		if m, err := p.Matches(raw); err != nil || !m {
			t.Fatalf("%s: the example event %s does not match (%v)", pat, raw, err)
		}
	}
	// Events without the prefix at "a": random ones, and satisfying ones with "a" changed.
	for j := 0; j < 20; j++ {
		ev := g.event()
		if j%2 == 1 {
			if ev, err = g.satisfying(pat); err != nil {
				t.Fatal(err)
			}
			if j%4 == 1 {
				ev["a"] = g.str()
			} else {
				ev["a"] = g.str() + g.str()
			}
		}
		v, present := ev["a"]
		if s, isStr := v.(string); present && (!isStr || strings.HasPrefix(s, prefix)) {
			continue
		}
		raw, _ := json.Marshal(ev)
		if m, _ := p.Matches(raw); m && !ok {
			t.Fatalf("%s matches %s, whose \"a\" lacks %q, but AdmitsWithout says it admits none", pat, raw, prefix)
		}
	}
}
