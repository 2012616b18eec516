package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestBuildCounts(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	in := Input{Controls: []Control{
		{Time: t0, Control: "C1", Severity: "high", Account: "1", Region: "r", Resource: "i-1", Status: Fail, Owner: "alice", Reason: "open"},
		{Time: t0.Add(time.Hour), Control: "C1", Severity: "high", Account: "1", Region: "r", Resource: "i-1", Status: Pass, Owner: "alice"}, // the rescan passes
		{Time: t0, Control: "C1", Severity: "high", Account: "1", Region: "r", Resource: "i-2", Status: Fail, Owner: "bob", Action: "revoke-ingress", Outcome: "dry-run"},
		{Time: t0, Control: "C2", Severity: "critical", Account: "2", Region: "r", Resource: "i-2", Status: Error, Reason: "AccessDenied"},
		{Time: t0, Control: "C2", Severity: "critical", Account: "2", Region: "s", Resource: "i-3", Status: NotApplicable},
		{Time: t0.Add(-time.Hour), Control: "C1", Severity: "high", Account: "1", Region: "r", Resource: "i-1", Status: Fail}, // older: ignored
	}, Decisions: []Decision{
		{Time: t0, Action: "stop", Outcome: "applied"}, {Time: t0.Add(time.Hour), Action: "stop", Outcome: "failed"},
		{Time: t0.Add(25 * time.Hour), Action: "start", Outcome: "applied"}, {Time: t0, Outcome: "skipped", Reason: "no rule matched"},
	}}
	p := Build(in)
	if p.Records != 4 || p.Totals != (Counts{Pass: 1, Fail: 1, Error: 1, NotApplicable: 1}) {
		t.Fatalf("records %d totals %+v", p.Records, p.Totals)
	}
	if len(p.Controls) != 2 || p.Controls[0].ID != "C1" || p.Controls[0].Counts != (Counts{Pass: 1, Fail: 1}) {
		t.Errorf("controls %+v", p.Controls)
	}
	if len(p.Failures) != 2 || p.Failures[0].Control != "C2" || p.Failures[1].Resource != "i-2" || pending(p.Failures[1].Action, p.Failures[1].Outcome) != "revoke-ingress (dry-run)" {
		t.Errorf("failures %+v", p.Failures)
	}
	var owners []string
	for _, o := range p.Owners {
		owners = append(owners, o.Owner+":"+o.Worst)
	}
	if got := strings.Join(owners, ","); got != "bob:high,:,alice:" {
		t.Errorf("owners %s", got)
	}
	if p.Decisions != 3 || len(p.Days) != 2 || p.Days[0].ByOutcome["applied"] != 1 || p.Days[0].ByOutcome["failed"] != 1 || p.Days[1].Total != 1 {
		t.Errorf("decisions %d days %+v", p.Decisions, p.Days)
	}
	if strings.Join(p.Outcomes, ",") != "applied,failed" {
		t.Errorf("outcomes %v", p.Outcomes)
	}
}

func TestReadRecords(t *testing.T) {
	cs, err := ReadControls(strings.NewReader(`{"control":"EC2G-NET-2","status":"fail","cis":["v3.0.0 5.2"],"prowler":["ec2_x"]}`+"\n\n"+`{"control":"EC2G-NET-2","status":"pass"}`+"\n"), "scan.ndjson")
	if err != nil || len(cs) != 2 || cs[0].Status != Fail {
		t.Fatalf("%v %+v", err, cs)
	}
	_, err = ReadControls(strings.NewReader("{}\n{oops\n"), "scan.ndjson")
	if err == nil || !strings.HasPrefix(err.Error(), "scan.ndjson:2: ") {
		t.Errorf("error %v", err)
	}
	if _, err := ReadIAM(strings.NewReader(`{"summary":{}}`), "iam.json"); err == nil {
		t.Error("a document without findings was read")
	}
	fs, err := ReadIAM(strings.NewReader(`{"findings":[{"id":"IAM-EC2-1","witness":{"action":"ec2:RunInstances"},"location":{"file":"a.json","line":3,"column":9}}],"summary":{}}`), "iam.json")
	if err != nil || len(fs) != 1 || fs[0].Location.Line != 3 || witness(fs[0].Witness) != `{"action":"ec2:RunInstances"}` {
		t.Errorf("%v %+v", err, fs)
	}
}

// TestHTMLEscapesAndStaysOffline holds the page to its promises: input cannot add markup
// or script, and nothing in it points outside the file.
func TestHTMLEscapesAndStaysOffline(t *testing.T) {
	in := fleet(200)
	evil := `</script><script>alert(1)</script><img src=http://example.com/x>`
	bad := firstFailing(in)
	in.Controls[bad].Reason, in.Controls[bad].Owner, in.Controls[bad].Resource = evil, evil, evil
	in.IAM[0].Message, in.IAM[0].Witness = evil, json.RawMessage(`"`+strings.ReplaceAll(evil, `"`, `\"`)+`"`)
	var b bytes.Buffer
	if err := HTML(&b, Build(in)); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "<script>alert") || strings.Contains(page, "<img") {
		t.Error("input became markup")
	}
	if n := strings.Count(page, "<script"); n != 2 { // the data and the page's own script
		t.Errorf("%d script elements, want 2", n)
	}
	for _, re := range []string{`(?i)<[^>]*\s(src|href|action|srcset)=["']?(https?:)?//`, `(?i)url\(`, `(?i)@import`} {
		if m := regexp.MustCompile(re).FindString(page); m != "" {
			t.Errorf("the page refers outside itself: %q", m)
		}
	}
	if !strings.Contains(page, "default-src 'none'") {
		t.Error("no content security policy")
	}
	if !strings.Contains(page, `id="n-fail">`+itoa(Build(in).Totals.Fail)+`<`) {
		t.Error("the fail count is not the records'")
	}
}

func TestMarkdown(t *testing.T) {
	in := fleet(64)
	in.Controls[firstFailing(in)].Reason = "a | b\n[link](http://x) <b>"
	var b bytes.Buffer
	if err := Markdown(&b, Build(in)); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, want := range []string{"## EC2 posture", "**37 pass, 19 fail, 1 error, 7 not applicable** over 64 control records", `a \| b \[link\](http://x) &lt;b&gt;`, "### IAM findings (40)", "### Remediations"} {
		if !strings.Contains(md, want) {
			t.Errorf("no %q in\n%s", want, md)
		}
	}
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| ") && strings.Count(strings.ReplaceAll(line, `\|`, ""), "|") < 5 {
			t.Errorf("broken row %q", line)
		}
	}
}

func TestWitness(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{``, ``},
		{`null`, ``},
		{`"a request"`, `a request`},
		{`[{"principal":"arn:aws:iam::1:role/B","action":"ec2:TerminateInstances","resource":"arn:aws:ec2:us-east-1:1:instance/i-1","context":{"b":["2"],"a":["1","x"]},"confirmed":true},{"action":"ec2:StopInstances","resource":"*","confirmed":false,"note":"a condition on ec2:Region"}]`,
			"arn:aws:iam::1:role/B ec2:TerminateInstances on arn:aws:ec2:us-east-1:1:instance/i-1 a=1,x b=2 (allowed, confirmed)\nec2:StopInstances on * (not confirmed: a condition on ec2:Region)"},
		{`{"x": [1, 2]}`, `{"x":[1,2]}`},
	} {
		if got := witness(json.RawMessage(c.in)); got != c.want {
			t.Errorf("witness(%s) = %q, want %q", c.in, got, c.want)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func firstFailing(in Input) int {
	for i, c := range in.Controls {
		if c.Status == Fail {
			return i
		}
	}
	panic("the fleet has no failing record")
}
