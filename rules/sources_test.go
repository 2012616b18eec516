package rules

import (
	"strings"
	"testing"
)

func TestForeignSources(t *testing.T) {
	set, err := Load("r.yaml", []byte(`rules:
  - name: pinned
    pattern: {source: [aws.ec2, aws.securityhub], detail: {state: [stopped]}}
    actions: [start]
  - name: open
    pattern: {detail: {state: [stopped]}}
    actions: [start, notify]
  - name: tells-only
    pattern: {detail: {state: [stopped]}}
    actions: [notify]
  - name: anything-but
    pattern: {source: [{anything-but: aws.ec2}], detail: {state: [running]}}
    actions: [stop]
`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ws := ForeignSources(set, func(name string) bool { return name != "notify" })
	var got []string
	for _, w := range ws {
		got = append(got, w.Error())
	}
	want := []string{
		`r.yaml:5:5: rule "open" acts (start) but its pattern admits events whatever their source (it does not pin "source")`,
		`r.yaml:11:5: rule "anything-but" acts (stop) but its pattern admits events of sources that are not AWS's (for example "mallory.app")`,
	}
	if len(got) != len(want) {
		t.Fatalf("warnings:\n%s", strings.Join(got, "\n"))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("warning %d:\n%s\nwant it to begin\n%s", i, got[i], want[i])
		}
	}
}
