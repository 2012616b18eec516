package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/hub"
	"github.com/ec2guard/ec2guard/resource"
)

// sendToSecurityHub sends a control scan's records to Security Hub as findings and closes
// the fixed ones (package hub); a summary goes to errOut.
func sendToSecurityHub(ctx context.Context, clients *awsapi.Clients, checks []*controls.Check, places []resource.Place, recs []controls.Record, now time.Time, errOut io.Writer) error {
	fs := make([]controls.Finding, 0, len(recs))
	for i := range recs {
		c, ok := controls.ByID(recs[i].Control)
		if !ok {
			continue // the scan's own controls: not reached
		}
		fs = append(fs, c.ASFF(&recs[i]))
	}
	generators := make([]string, len(checks))
	for i, k := range checks {
		generators[i] = hub.Prefix + k.ID
	}
	res, err := hub.Send(ctx, clients, fs, places, generators, now)
	fmt.Fprintf(errOut, "ec2guard: scan: Security Hub: %s imported, %d archived as fixed, %d resolved\n", counted(res.Imported, "finding", "findings"), res.Archived, res.Resolved)
	if res.Unresolved != nil {
		fmt.Fprintf(errOut, "ec2guard: scan: Security Hub: the fixed findings are archived, but their workflow status is not RESOLVED: %v\n", res.Unresolved)
	}
	for _, f := range res.Failed {
		fmt.Fprintf(errOut, "ec2guard: scan: Security Hub refused %s: %s %s\n", f.ID, f.Code, f.Message)
	}
	switch {
	case err != nil:
		return exitCode(ExitFindings, fmt.Errorf("scan: Security Hub: %w", err))
	case len(res.Failed) > 0:
		return exitCode(ExitFindings, fmt.Errorf("scan: Security Hub refused %s", counted(len(res.Failed), "finding", "findings")))
	}
	return nil
}
