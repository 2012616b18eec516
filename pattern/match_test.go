package pattern

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestMatchSemantics(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		event   string
		want    bool
	}{
		{"exact string", `{"source":["aws.ec2"]}`, `{"source":"aws.ec2"}`, true},
		{"exact string differs", `{"source":["aws.ec2"]}`, `{"source":"aws.ec2x"}`, false},
		{"strings are not numbers", `{"n":["5"]}`, `{"n":5}`, false},
		{"numbers compare numerically", `{"n":[100]}`, `{"n":1e2}`, true},
		{"negative zero equals zero", `{"n":[0]}`, `{"n":-0.0}`, true},
		{"booleans", `{"b":[true]}`, `{"b":true}`, true},
		{"boolean is not a string", `{"b":["true"]}`, `{"b":true}`, false},
		{"null", `{"x":[null]}`, `{"x":null}`, true},
		{"missing field", `{"x":["a"]}`, `{"y":"a"}`, false},
		{"array in event: any element", `{"r":["b"]}`, `{"r":["a","b"]}`, true},
		{"nested arrays flatten", `{"r":["c"]}`, `{"r":[["a"],["b",["c"]]]}`, true},
		{"array of objects flattens", `{"a":{"b":[2]}}`, `{"a":[{"b":1},{"b":2}]}`, true},
		{"fields AND", `{"a":["1"],"b":["2"]}`, `{"a":"1","b":"3"}`, false},
		{"array consistency: fields from different elements", `{"a":{"b":[1],"c":[4]}}`, `{"a":[{"b":1,"c":2},{"b":3,"c":4}]}`, false},
		{"array consistency: fields from one element", `{"a":{"b":[3],"c":[4]}}`, `{"a":[{"b":1,"c":2},{"b":3,"c":4}]}`, true},
		{"array consistency: nested arrays", `{"a":{"b":{"c":[1],"d":[2]}}}`, `{"a":[{"b":[{"c":1},{"d":2}]}]}`, false},
		{"array consistency: outer field with inner array", `{"x":["1"],"a":{"c":[2]}}`, `{"x":"1","a":[{"c":1},{"c":2}]}`, true},
		{"object at a leaf path is no value", `{"a":[{"exists":true}]}`, `{"a":{"b":1}}`, false},
		{"exists false on object-only path", `{"a":[{"exists":false}]}`, `{"a":{"b":1}}`, true},
		{"exists false on empty array", `{"a":[{"exists":false}]}`, `{"a":[]}`, true},
		{"exists false with value", `{"a":[{"exists":false}]}`, `{"a":null}`, false},
		{"escaped key", `{"a\"b":["x"]}`, `{"a\u0022b":"x"}`, true},
		{"escaped value", `{"a":["é\n"]}`, `{"a":"\u00e9\n"}`, true},
		{"surrogate pair", `{"a":["🚀"]}`, `{"a":"\ud83d\ude80"}`, true},
		{"duplicate event key: last wins", `{"a":["1"]}`, `{"a":"1","a":"2"}`, false},
		{"duplicate event key: last wins (positive)", `{"a":["2"]}`, `{"a":"1","a":"2"}`, true},
		{"duplicate nested key voids the first subtree", `{"a":{"b":["1"]}}`, `{"a":{"b":"1"},"a":{"c":"1"}}`, false},
		{"$or", `{"$or":[{"a":["1"]},{"b":["2"]}]}`, `{"b":"2"}`, true},
		{"$or nested in object", `{"d":{"$or":[{"a":["1"]},{"b":["2"]}]},"s":["x"]}`, `{"s":"x","d":{"a":"1"}}`, true},
		{"$or nested needs the rest", `{"d":{"$or":[{"a":["1"]},{"b":["2"]}]},"s":["x"]}`, `{"s":"y","d":{"a":"1"}}`, false},
		{"prefix only on strings", `{"n":[{"prefix":"1"}]}`, `{"n":12}`, false},
		{"prefix fold", `{"s":[{"prefix":{"equals-ignore-case":"ab"}}]}`, `{"s":"ABc"}`, true},
		{"suffix fold", `{"s":[{"suffix":{"equals-ignore-case":"C"}}]}`, `{"s":"abc"}`, true},
		{"equals-ignore-case unicode", `{"s":[{"equals-ignore-case":"ÉTÉ"}]}`, `{"s":"été"}`, true},
		{"anything-but on array: any element", `{"s":[{"anything-but":"a"}]}`, `{"s":["a","b"]}`, true},
		{"anything-but number vs string", `{"s":[{"anything-but":5}]}`, `{"s":"5"}`, true},
		{"anything-but numbers numerically", `{"s":[{"anything-but":[5]}]}`, `{"s":5.0}`, false},
		{"numeric range", `{"n":[{"numeric":[">=",1.5,"<",2]}]}`, `{"n":1.5}`, true},
		{"numeric upper exclusive", `{"n":[{"numeric":[">=",1.5,"<",2]}]}`, `{"n":2}`, false},
		{"numeric full float64", `{"n":[{"numeric":[">",1e300]}]}`, `{"n":2e300}`, true},
		{"numeric equals", `{"n":[{"numeric":["=",3]}]}`, `{"n":3.0}`, true},
		{"cidr v4", `{"ip":[{"cidr":"10.0.0.0/8"}]}`, `{"ip":"10.1.2.3"}`, true},
		{"cidr v4 outside", `{"ip":[{"cidr":"10.0.0.0/8"}]}`, `{"ip":"11.1.2.3"}`, false},
		{"cidr host bits in the pattern", `{"ip":[{"cidr":"10.0.0.7/24"}]}`, `{"ip":"10.0.0.200"}`, true},
		{"cidr not an ip", `{"ip":[{"cidr":"10.0.0.0/8"}]}`, `{"ip":"ten"}`, false},
		{"wildcard middle", `{"k":[{"wildcard":"a*c*e"}]}`, `{"k":"abcde"}`, true},
		{"wildcard escape", `{"k":[{"wildcard":"a\\*c"}]}`, `{"k":"a*c"}`, true},
		{"wildcard escape literal", `{"k":[{"wildcard":"a\\*c"}]}`, `{"k":"abc"}`, false},
		{"wildcard overlapping parts", `{"k":[{"wildcard":"*ab*ab"}]}`, `{"k":"abab"}`, true},
		{"wildcard overlapping parts neg", `{"k":[{"wildcard":"ab*ab"}]}`, `{"k":"aba"}`, false},
		{"dotted pattern key", `{"detail.state":["on"]}`, `{"detail":{"state":"on"}}`, true},
		{"dotted event key", `{"a":{"b":{"c":["1"]}}}`, `{"a":{"b.c":"1"}}`, true},
		{"dotted event key at the top", `{"a":{"b":{"c":["1"]}}}`, `{"a.b":{"c":"1"}}`, true},
		{"dotted event key is not a prefix", `{"a":{"b":{"c":["1"]}}}`, `{"a":{"b.cd":"1"}}`, false},
		{"duplicate key spelled with an escape: last wins", `{"a":["1"]}`, `{"a":"1","\u0061":"2"}`, false},
		{"empty key", `{"a":{"":["1"]}}`, `{"a":{"":"1"}}`, true},
		{"long key", `{"` + strings.Repeat("k", 200) + `":["1"]}`, `{"` + strings.Repeat("k", 199) + `":"1","` + strings.Repeat("k", 200) + `":"1"}`, true},
		{"long key differs", `{"` + strings.Repeat("k", 200) + `":["1"]}`, `{"` + strings.Repeat("k", 199) + `x":"1"}`, false},
		{"many keys at one level", manyKeys("[%q]", "1"), manyKeys("%q", "1"), true},
		{"many keys at one level, one differs", manyKeys("[%q]", "1"), strings.Replace(manyKeys("%q", "1"), `"k7":"1"`, `"k7":"2"`, 1), false},
		{"deep skip of unneeded subtrees", `{"z":["1"]}`, `{"a":{"b":[1,{"c":[true,null,"x\"y"]}],"d":-1.5e-3},"z":"1"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse([]byte(tt.pattern))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			got, err := p.Matches([]byte(tt.event))
			if err != nil {
				t.Fatalf("Matches: %v", err)
			}
			if got != tt.want {
				t.Fatalf("Matches(%s, %s) = %v, want %v", tt.pattern, tt.event, got, tt.want)
			}
		})
	}
}

// manyKeys is an object of twelve keys k0..k11, each holding fmt.Sprintf(format, value).
func manyKeys(format, value string) string {
	parts := make([]string, 12)
	for i := range parts {
		parts[i] = fmt.Sprintf(`"k%d":`+format, i, value)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		pattern string
		path    string
		msg     string
	}{
		{`[]`, "", "must be a JSON object"},
		{`{}`, "", "must not be empty"},
		{`{"a":{}}`, "a", "must not be empty"},
		{`{"a":"x"}`, "a", "must be in an array"},
		{`{"a":[]}`, "a", "must not be empty"},
		{`{"a":[["x"]]}`, "a", "nested arrays"},
		{`{"d":{"s":[{"prefix":1}]}}`, "d.s", "prefix match pattern must be a string"},
		{`{"a":[{"prefix":"x","suffix":"y"}]}`, "a", "exactly one operator"},
		{`{"a":[{"numeric":["<",1,"<",2]}]}`, "a", "only one upper bound"},
		{`{"a":[{"numeric":[">",5,"<",1]}]}`, "a", "lower bound must be below"},
		{`{"a":[{"numeric":["=",1,"<",2]}]}`, "a", `"=" cannot be combined`},
		{`{"a":[{"numeric":["!=",1]}]}`, "a", "unrecognized operator"},
		{`{"a":[{"numeric":[">",1e999]}]}`, "a", "out of range"},
		{`{"a":[{"exists":"yes"}]}`, "a", "true or false"},
		{`{"a":[{"cidr":"10.0.0.0"}]}`, "a", "one '/' required"},
		{`{"a":[{"cidr":"10.0.0.0/33"}]}`, "a", "malformed CIDR"},
		{`{"a":[{"wildcard":"a**"}]}`, "a", "consecutive"},
		{`{"a":[{"wildcard":"a\\b"}]}`, "a", "may be escaped"},
		{`{"a":[{"anything-but":[]}]}`, "a", "must not be empty"},
		{`{"a":[{"anything-but":["x",1]}]}`, "a", "all strings or all numbers"},
		{`{"a":[{"anything-but":true}]}`, "a", "anything-but takes"},
		{`{"a":[{"anything-but":{"exists":true}}]}`, "a", "unsupported anything-but operator"},
		{`{"a":[{"anything-but":{"prefix":"x","suffix":"y"}}]}`, "a", "exactly one of"},
		{`{"$or":[{"a":["1"]}]}`, "$or", "at least two"},
		{`{"$or":{"a":["1"]}}`, "$or", "must be an array"},
		{`{"$or":[{"a":["1"]},"x"]}`, "$or.1", "must be an object"},
		{`{"a":["1"]} x`, "", "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			_, err := Parse([]byte(tt.pattern))
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%s) error = %v, want *Error", tt.pattern, err)
			}
			if got := strings.Join(pe.Path, "."); got != tt.path {
				t.Errorf("path = %q, want %q (%v)", got, tt.path, err)
			}
			if !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("message %q does not contain %q", pe.Msg, tt.msg)
			}
		})
	}
}

func TestOrExplosionIsRejected(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 11; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`"k` + string(rune('a'+i)) + `":{"$or":[{"x":["1"]},{"y":["2"]}]}`)
	}
	b.WriteString("}")
	if _, err := Parse([]byte(b.String())); err == nil || !strings.Contains(err.Error(), "too complex") {
		t.Fatalf("2^11 alternatives: err = %v, want too complex", err)
	}
}

func TestMatcherManyPatterns(t *testing.T) {
	srcs := []string{
		`{"source":["aws.ec2"]}`,
		`{"detail":{"state":["stopped"]}}`,
		`{"detail":{"state":["running"]}}`,
		`{"source":["aws.ec2"],"detail":{"state":[{"anything-but":"running"}]}}`,
		`{"detail":{"missing":[{"exists":false}]}}`,
		`{"$or":[{"source":["x"]},{"detail":{"state":["stopped"]}}]}`,
	}
	var ps []*Pattern
	for _, s := range srcs {
		p, err := Parse([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	m, err := Compile(ps)
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Match([]byte(`{"source":"aws.ec2","detail":{"state":"stopped"}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 1, 3, 4, 5}; !slices.Equal(got, want) {
		t.Fatalf("Match = %v, want %v", got, want)
	}
	// The matcher is reusable: state from one event must not leak into the next.
	got, _ = m.Match([]byte(`{"source":"aws.s3","detail":{"state":"running","missing":1}}`), got[:0])
	if want := []int{2}; !slices.Equal(got, want) {
		t.Fatalf("second Match = %v, want %v", got, want)
	}
}

func TestInvalidEvents(t *testing.T) {
	p, _ := Parse([]byte(`{"a":["1"]}`))
	m, _ := Compile([]*Pattern{p})
	for _, ev := range []string{``, `[]`, `"a"`, `{`, `{"a":}`, `{"a":"1"`, `{"a":tru}`, `{"a":01}`, `{"a":"\x"}`, `{"a":"1"} {}`, `{"a":["1",]}`, `{"x":{"c":1]}`, `{"x":"\u12"}`, `{"a":"1",}`, strings.Repeat(`{"a":`, 300) + `1` + strings.Repeat(`}`, 300)} {
		if _, err := m.Match([]byte(ev), nil); err == nil {
			t.Errorf("Match(%q) = nil error, want a syntax error", ev)
		}
	}
}

// Subtrees no pattern reads are skipped at memory speed: their structure is checked, the
// grammar of the numbers and literals inside them is not (PATTERNS.md).
func TestSkippedSubtreesAreCheckedStructurally(t *testing.T) {
	p, _ := Parse([]byte(`{"a":["1"]}`))
	m, _ := Compile([]*Pattern{p})
	got, err := m.Match([]byte(`{"x":[1,,2],"a":"1"}`), nil)
	if err != nil || len(got) != 1 {
		t.Fatalf("Match = %v, %v; want a match", got, err)
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	p, _ := Parse([]byte(`{"source":["aws.ec2"],"detail":{"state":[{"prefix":"stop"}],"n":[{"numeric":[">",1]}],"s":["é"]}}`))
	m, _ := Compile([]*Pattern{p})
	ev := []byte(`{"source":"aws.ec2","other":{"deep":[1,2,{"x":"y"}]},"detail":{"state":"stopped","n":2.5,"s":"\u00e9"}}`)
	dst := make([]int, 0, 4)
	allocs := testing.AllocsPerRun(200, func() {
		var err error
		dst, err = m.Match(ev, dst[:0])
		if err != nil || len(dst) != 1 {
			t.Fatalf("Match = %v, %v", dst, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Match allocates %.1f times per event, want 0", allocs)
	}
}
