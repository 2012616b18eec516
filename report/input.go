// Package report turns what ec2guard wrote — control records of scan --controls, decision
// records of handle, serve and scan, and the findings of iam check --format json — into the
// posture: one self-contained HTML file (HTML), readable offline and without JavaScript, and
// a Markdown summary (Markdown) for pull requests and chat. It reads the records as their
// JSON says them (PRODUCT §3.6, §4, §6) and imports none of the packages that write them.
package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// Control is one record of scan --controls (PRODUCT §3.6): a control's verdict on one
// resource, and what was done about it. Owner is the resource's Owner tag where the record
// carries it.
type Control struct {
	Time        time.Time `json:"time"`
	Control     string    `json:"control"`
	SecurityHub string    `json:"securityhub"`
	CIS         any       `json:"cis"`     // a string or a list, as the writer has it
	Prowler     any       `json:"prowler"` // likewise
	Severity    string    `json:"severity"`
	Account     string    `json:"account"`
	Region      string    `json:"region"`
	Kind        string    `json:"kind"`
	Resource    string    `json:"resource"`
	Status      string    `json:"status"` // pass, fail, error, not-applicable
	Reason      string    `json:"reason"`
	Action      string    `json:"action"`
	Outcome     string    `json:"outcome"`
	Owner       string    `json:"owner"`
	Title       string    `json:"title"`
}

// The statuses of a control record.
const (
	Pass          = "pass"
	Fail          = "fail"
	Error         = "error"
	NotApplicable = "not-applicable"
)

// Decision is one decision record (PRODUCT §4); the fields the report shows.
type Decision struct {
	Time     time.Time `json:"time"`
	Account  string    `json:"account"`
	Region   string    `json:"region"`
	Rule     string    `json:"rule"`
	Resource string    `json:"resource"`
	Action   string    `json:"action"`
	Outcome  string    `json:"outcome"`
	Reason   string    `json:"reason"`
	Error    string    `json:"error"`
	DryRun   bool      `json:"dry_run"`
}

// IAMFinding is one finding of iam check --format json. Witness is whatever the finding
// carries to show it holds (a request the policies allow); nil where it has none.
type IAMFinding struct {
	ID        string          `json:"id"`
	Severity  string          `json:"severity"`
	Title     string          `json:"title"`
	Principal string          `json:"principal"`
	Policy    string          `json:"policy"`
	Statement string          `json:"statement"`
	Actions   []string        `json:"actions"`
	Resources []string        `json:"resources"`
	Message   string          `json:"message"`
	When      string          `json:"when"`
	Witness   json.RawMessage `json:"witness"`
	Location  struct {
		File   string `json:"file"`
		Line   int    `json:"line"`
		Column int    `json:"column"`
	} `json:"location"`
}

// Input is everything a report is made of.
type Input struct {
	Controls  []Control
	Decisions []Decision
	IAM       []IAMFinding
	// Generated is when the report was made (the clock is the caller's).
	Generated time.Time
}

// ReadControls reads control records, one JSON object per line (blank lines allowed). An
// error names the line.
func ReadControls(r io.Reader, name string) ([]Control, error) {
	return readLines[Control](r, name)
}

// ReadDecisions reads decision records, one JSON object per line.
func ReadDecisions(r io.Reader, name string) ([]Decision, error) {
	return readLines[Decision](r, name)
}

func readLines[T any](r io.Reader, name string) ([]T, error) {
	var out []T
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return nil, fmt.Errorf("%s:%d: not a record: %w", name, line, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	return out, nil
}

// ReadIAM reads the output of iam check --format json ({"findings":[...],"summary":{...}}).
func ReadIAM(r io.Reader, name string) ([]IAMFinding, error) {
	var doc struct {
		Findings *[]IAMFinding `json:"findings"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: not iam check --format json output: %w", name, err)
	}
	if doc.Findings == nil {
		return nil, fmt.Errorf("%s: not iam check --format json output: no findings list", name)
	}
	return *doc.Findings, nil
}
