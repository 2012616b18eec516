package source

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/pattern"
	"github.com/ec2guard/ec2guard/resource"
)

// InstanceStates are the states a scanned instance can be in (terminated ones are not listed).
var InstanceStates = []string{"pending", "running", "stopping", "stopped", "shutting-down"}

// Lister lists the resources a scan looks at.
type Lister interface {
	ListInstances(ctx context.Context, at resource.Place, fn func(account string, in *awsapi.Instance) error) error
}

// Scanner is pull mode: it lists the instances of each region as they are now and feeds the
// engine, for each, the "EC2 Instance State-change Notification" EventBridge would have sent
// when the instance entered its current state. Rules on state changes thus apply to the fleet
// as it is — a protected instance that was stopped before ec2guard was deployed is started
// — through the same filters, check-before-act and safety caps as events. Rules that select
// CloudTrail API calls need the call (its caller, what it created) and are not evaluated.
type Scanner struct {
	Lister  Lister
	Handler Handler
	Regions []string // at least one
	// Accounts are the accounts to scan (an Organization's members, through the remediation
	// role); none: the account of the credentials.
	Accounts []string
	Now      func() time.Time // default time.Now
}

// Stats counts what a scan saw.
type Stats struct {
	Instances int     // listed (not terminated)
	Matched   int     // whose state event at least one rule selected
	Places    []Place // the regions scanned, with each account an instance belonged to
}

// Place is a region of an account ("" when no instance told which).
type Place struct{ Region, Account string }

// Run scans every region in turn and passes each instance's decisions to emit. It stops at the
// first listing error or emit error.
func (s *Scanner) Run(ctx context.Context, emit func([]engine.Decision) error) (Stats, error) {
	var st Stats
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	run := now().UTC().Format("20060102T150405.000Z")
	accounts := s.Accounts
	if len(accounts) == 0 {
		accounts = []string{""}
	}
	for _, acct := range accounts {
		for _, region := range s.Regions {
			seen := false
			err := s.Lister.ListInstances(ctx, resource.Place{Account: acct, Region: region}, func(account string, in *awsapi.Instance) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				if p := (Place{region, account}); !slices.Contains(st.Places, p) {
					st.Places = append(st.Places, p)
				}
				seen = true
				st.Instances++
				ev, err := StateEvent("scan-"+run+"-"+in.ID, account, region, in.ID, in.State, now())
				if err != nil {
					return err
				}
				ds := s.Handler.Handle(ctx, ev)
				if len(ds) == 1 && ds[0].Rule == "" {
					ds[0].Resource = in.ID // a scan's "no rule matched" names what it looked at
				} else {
					st.Matched++
				}
				return emit(ds)
			})
			if !seen {
				st.Places = append(st.Places, Place{Region: region, Account: acct})
			}
			if err != nil {
				where := region
				if acct != "" {
					where = "account " + acct + " in " + region
				}
				return st, fmt.Errorf("scanning %s: %w", where, err)
			}
		}
	}
	return st, nil
}

// StateEvent builds the EventBridge state-change notification of an instance in a state.
func StateEvent(id, account, region, instanceID, state string, at time.Time) (*event.Event, error) {
	return event.StateChange(id, resource.Place{Account: account, Region: region}, instanceID, resource.State(state), at)
}

// ScanRules returns the indexes of the rules a scan of these places can apply: those whose
// pattern selects the state-change notification of an instance there in some state. The
// others select CloudTrail API calls or other events, which a scan cannot reconstruct (or
// name other regions or accounts).
func ScanRules(m *pattern.Matcher, places []Place) ([]int, error) {
	var out []int
	for _, pl := range places {
		for _, st := range InstanceStates {
			ev, err := StateEvent("probe", pl.Account, pl.Region, "i-00000000000000000", st, time.Unix(0, 0))
			if err != nil {
				return nil, err
			}
			hits, err := m.Match(ev.Raw, nil)
			if err != nil {
				return nil, err
			}
			for _, h := range hits {
				if !slices.Contains(out, h) {
					out = append(out, h)
				}
			}
		}
	}
	slices.Sort(out)
	return out, nil
}
