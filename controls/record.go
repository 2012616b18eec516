package controls

import (
	"time"

	"github.com/ec2guard/ec2guard/resource"
)

// Record is one (control, resource) verdict, as scan --controls writes it (one JSON object
// per line). Resource is the resource's id, the account's for account settings; Action and
// Outcome are set where a remediation action ran.
type Record struct {
	Time        time.Time `json:"time"`
	Control     string    `json:"control"`
	SecurityHub string    `json:"securityhub"`
	CIS         []string  `json:"cis"`
	Prowler     []string  `json:"prowler"`
	Severity    Severity  `json:"severity"`
	Account     string    `json:"account"`
	Region      string    `json:"region"`
	Kind        string    `json:"kind"`
	Resource    string    `json:"resource"`
	Status      Status    `json:"status"`
	Reason      string    `json:"reason"`
	Action      string    `json:"action,omitempty"`
	Outcome     string    `json:"outcome,omitempty"`
	Title       string    `json:"title"`
	Owner       string    `json:"owner,omitempty"` // the resource's Owner tag
}

// NewRecord is the record of a verdict of the check on r at t.
func (k *Check) NewRecord(r *resource.Resource, v Verdict, t time.Time) Record {
	return Record{
		Time: t, Control: k.ID, SecurityHub: k.SecurityHub, CIS: nonNil(k.CIS), Prowler: nonNil(k.Prowler),
		Severity: v.Severity, Account: r.Account, Region: r.Region, Kind: string(r.Kind), Resource: r.ID,
		Status: v.Status, Reason: v.Reason, Title: k.Title, Owner: r.Tags["Owner"],
	}
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
