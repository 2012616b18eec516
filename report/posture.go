package report

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Counts are the verdicts of some control records.
type Counts struct {
	Pass, Fail, Error, NotApplicable int
}

// Total is every verdict counted.
func (c Counts) Total() int { return c.Pass + c.Fail + c.Error + c.NotApplicable }

// Judged is the verdicts that say pass or fail.
func (c Counts) Judged() int { return c.Pass + c.Fail }

// Compliance is the share of judged resources that pass, in percent (100 with none judged).
func (c Counts) Compliance() float64 {
	if c.Judged() == 0 {
		return 100
	}
	return 100 * float64(c.Pass) / float64(c.Judged())
}

func (c *Counts) add(status string) {
	switch status {
	case Pass:
		c.Pass++
	case Fail:
		c.Fail++
	case Error:
		c.Error++
	default:
		c.NotApplicable++
	}
}

// ControlPosture is one control's verdicts.
type ControlPosture struct {
	ID, SecurityHub, Title string
	Severity               string // the control's: the highest any of its records says
	Counts
}

// PlacePosture is the verdicts in one account and region.
type PlacePosture struct {
	Account, Region string
	Counts
}

// OwnerPosture is the verdicts on the resources of one owner ("" for none).
type OwnerPosture struct {
	Owner string
	Worst string // the highest severity among its failing resources, "" for none
	Counts
}

// Failure is a resource a control fails (or could not judge: status error), with what is
// pending on it.
type Failure struct {
	Control, Severity, Status       string
	Account, Region, Kind, Resource string
	Owner, Reason, Action, Outcome  string
}

// Day is the remediation decisions of one UTC day, by outcome.
type Day struct {
	Day       string // 2006-01-02
	ByOutcome map[string]int
	Total     int
}

// CheckCount is how many IAM findings one check has.
type CheckCount struct {
	ID, Severity, Title string
	Count               int
}

// PrincipalCount is the IAM findings of one principal.
type PrincipalCount struct {
	Principal string
	Worst     string
	Checks    []string
	Count     int
}

// Posture is the report's content, computed once from the input.
type Posture struct {
	Generated  time.Time
	Records    int // control records read; duplicates of a later verdict dropped
	Totals     Counts
	Controls   []ControlPosture
	Places     []PlacePosture
	Owners     []OwnerPosture
	Failures   []Failure // most severe first
	Decisions  int       // decision records with an action
	Days       []Day
	Outcomes   []string // the outcomes in Days, in a fixed order
	ByOutcome  map[string]int
	IAM        []IAMFinding // most severe first
	IAMChecks  []CheckCount
	Principals []PrincipalCount
}

// severityRank orders severities; unknown ones rank below low.
func severityRank(s string) int {
	switch strings.ToLower(s) {
	case "critical":
		return 4
	case "high":
		return 3
	case "medium":
		return 2
	case "low":
		return 1
	}
	return 0
}

func worse(a, b string) string {
	if severityRank(b) > severityRank(a) {
		return strings.ToLower(b)
	}
	return a
}

// outcomeOrder is how outcomes stack in the remediation chart: done first, then what was
// held back, then what went wrong.
var outcomeOrder = []string{"applied", "dry-run", "pending", "skipped", "duplicate", "suppressed", "failed", "rejected"}

// Build computes the posture. Control records that judge the same resource by the same
// control more than once (scans concatenated) count once, by the latest.
func Build(in Input) *Posture {
	p := &Posture{Generated: in.Generated, ByOutcome: map[string]int{}}
	type key struct{ control, account, region, resource string }
	latest := make(map[key]int, len(in.Controls))
	recs := make([]*Control, 0, len(in.Controls))
	for i := range in.Controls {
		c := &in.Controls[i]
		k := key{c.Control, c.Account, c.Region, c.Resource}
		if j, ok := latest[k]; ok {
			if !c.Time.Before(recs[j].Time) {
				recs[j] = c
			}
			continue
		}
		latest[k] = len(recs)
		recs = append(recs, c)
	}
	p.Records = len(recs)

	controls := map[string]*ControlPosture{}
	type place struct{ account, region string }
	places := map[place]*PlacePosture{}
	owners := map[string]*OwnerPosture{}
	for _, c := range recs {
		p.Totals.add(c.Status)
		cp := controls[c.Control]
		if cp == nil {
			cp = &ControlPosture{ID: c.Control}
			controls[c.Control] = cp
		}
		cp.add(c.Status)
		cp.Severity = worse(cp.Severity, c.Severity)
		if cp.SecurityHub == "" {
			cp.SecurityHub = c.SecurityHub
		}
		if cp.Title == "" {
			cp.Title = c.Title
		}
		pp := places[place{c.Account, c.Region}]
		if pp == nil {
			pp = &PlacePosture{Account: c.Account, Region: c.Region}
			places[place{c.Account, c.Region}] = pp
		}
		pp.add(c.Status)
		op := owners[c.Owner]
		if op == nil {
			op = &OwnerPosture{Owner: c.Owner}
			owners[c.Owner] = op
		}
		op.add(c.Status)
		if c.Status == Fail || c.Status == Error {
			if c.Status == Fail {
				op.Worst = worse(op.Worst, c.Severity)
			}
			p.Failures = append(p.Failures, Failure{
				Control: c.Control, Severity: strings.ToLower(c.Severity), Status: c.Status,
				Account: c.Account, Region: c.Region, Kind: c.Kind, Resource: c.Resource,
				Owner: c.Owner, Reason: c.Reason, Action: c.Action, Outcome: c.Outcome,
			})
		}
	}
	for _, cp := range controls {
		p.Controls = append(p.Controls, *cp)
	}
	slices.SortFunc(p.Controls, func(a, b ControlPosture) int {
		return cmp.Or(cmp.Compare(b.Fail, a.Fail), cmp.Compare(severityRank(b.Severity), severityRank(a.Severity)), strings.Compare(a.ID, b.ID))
	})
	for _, pp := range places {
		p.Places = append(p.Places, *pp)
	}
	slices.SortFunc(p.Places, func(a, b PlacePosture) int {
		return cmp.Or(strings.Compare(a.Account, b.Account), strings.Compare(a.Region, b.Region))
	})
	for _, op := range owners {
		p.Owners = append(p.Owners, *op)
	}
	slices.SortFunc(p.Owners, func(a, b OwnerPosture) int {
		return cmp.Or(cmp.Compare(b.Fail, a.Fail), strings.Compare(a.Owner, b.Owner))
	})
	slices.SortFunc(p.Failures, func(a, b Failure) int {
		return cmp.Or(cmp.Compare(severityRank(b.Severity), severityRank(a.Severity)), strings.Compare(a.Control, b.Control),
			strings.Compare(a.Account, b.Account), strings.Compare(a.Region, b.Region), strings.Compare(a.Resource, b.Resource))
	})

	days := map[string]*Day{}
	for _, d := range in.Decisions {
		if d.Action == "" {
			continue // no rule matched, or a filter said no before any action
		}
		p.Decisions++
		day := d.Time.UTC().Format(time.DateOnly)
		dy := days[day]
		if dy == nil {
			dy = &Day{Day: day, ByOutcome: map[string]int{}}
			days[day] = dy
		}
		dy.ByOutcome[d.Outcome]++
		dy.Total++
		p.ByOutcome[d.Outcome]++
	}
	for _, dy := range days {
		p.Days = append(p.Days, *dy)
	}
	slices.SortFunc(p.Days, func(a, b Day) int { return strings.Compare(a.Day, b.Day) })
	for _, o := range outcomeOrder {
		if p.ByOutcome[o] > 0 {
			p.Outcomes = append(p.Outcomes, o)
		}
	}
	var other []string
	for o := range p.ByOutcome {
		if !slices.Contains(outcomeOrder, o) {
			other = append(other, o)
		}
	}
	slices.Sort(other)
	p.Outcomes = append(p.Outcomes, other...)

	p.IAM = slices.Clone(in.IAM)
	slices.SortStableFunc(p.IAM, func(a, b IAMFinding) int {
		return cmp.Or(cmp.Compare(severityRank(b.Severity), severityRank(a.Severity)), strings.Compare(a.ID, b.ID), strings.Compare(a.Principal, b.Principal))
	})
	checks := map[string]*CheckCount{}
	principals := map[string]*PrincipalCount{}
	for _, f := range p.IAM {
		cc := checks[f.ID]
		if cc == nil {
			cc = &CheckCount{ID: f.ID, Severity: strings.ToLower(f.Severity), Title: f.Title}
			checks[f.ID] = cc
		}
		cc.Count++
		who := f.Principal
		if who == "" {
			who = f.Location.File
		}
		pc := principals[who]
		if pc == nil {
			pc = &PrincipalCount{Principal: who}
			principals[who] = pc
		}
		pc.Count++
		pc.Worst = worse(pc.Worst, f.Severity)
		if !slices.Contains(pc.Checks, f.ID) {
			pc.Checks = append(pc.Checks, f.ID)
		}
	}
	for _, cc := range checks {
		p.IAMChecks = append(p.IAMChecks, *cc)
	}
	slices.SortFunc(p.IAMChecks, func(a, b CheckCount) int {
		return cmp.Or(cmp.Compare(severityRank(b.Severity), severityRank(a.Severity)), cmp.Compare(b.Count, a.Count), strings.Compare(a.ID, b.ID))
	})
	for _, pc := range principals {
		slices.Sort(pc.Checks)
		p.Principals = append(p.Principals, *pc)
	}
	slices.SortFunc(p.Principals, func(a, b PrincipalCount) int {
		return cmp.Or(cmp.Compare(severityRank(b.Worst), severityRank(a.Worst)), cmp.Compare(b.Count, a.Count), strings.Compare(a.Principal, b.Principal))
	})
	return p
}
