package source

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/resource"
)

// Lister lists the resources a scan judges, in a place, page by page.
type Lister interface {
	List(ctx context.Context, kind resource.Kind, at resource.Place, needs resource.Needs, fn func(*resource.Resource) error) error
	// OwnAccount is the account of ec2guard's own credentials, for the places of a scan
	// that names no account.
	OwnAccount(ctx context.Context) (string, error)
}

// Judge is the engine as a scan uses it (engine.Engine).
type Judge interface {
	Judge(ctx context.Context, run string, res *engine.Resource) []engine.Decision
	ScanKinds() []resource.Kind
	ScanNeeds(kind resource.Kind) resource.Needs
}

// DefaultParallel is how many places a scan lists at once unless told.
const DefaultParallel = 4

// Scanner is pull mode: it lists, in each place (account × region), every resource of each
// kind the rules judge, as it is now, and has the engine judge each with the rules a scan
// may apply (engine.Engine.Judge: the same filters, check-before-act, ledger, budget and
// caps as events; a rule on instance state changes sees the instances in the state it
// selects). The listing asks for what those rules' filters need (ScanNeeds), so nothing is
// read again per resource. Places are listed concurrently, at most Parallel at once; the
// engine judges one resource at a time, in the order the lists give them.
type Scanner struct {
	Lister  Lister
	Engine  Judge
	Regions []string // at least one
	// Accounts are the accounts to scan (an Organization's members, through the remediation
	// role); none: the account of the credentials.
	Accounts []string
	Parallel int              // places listed at once; 0: DefaultParallel
	Now      func() time.Time // default time.Now
	// RunID names the run in its records and ledger keys (engine.ScanID); "": the time it
	// starts. A run named as an earlier one does not redo what that one applied.
	RunID string
	// Progress, when set, gets a line of progress as each place is done, each line
	// starting with a carriage return (for a terminal), and a clearing one at the end.
	Progress io.Writer
}

// Stats counts what a scan saw.
type Stats struct {
	Listed  map[resource.Kind]int // resources listed, by kind
	Judged  int                   // resources at least one rule judged
	Places  []resource.Place      // the places scanned, accounts resolved
	Records int
}

// Total is the number of resources listed.
func (s Stats) Total() int {
	n := 0
	for _, c := range s.Listed {
		n += c
	}
	return n
}

// runName names a scan's run by the time it starts (engine.ScanID's run).
func runName(t time.Time) string { return t.UTC().Format("20060102T150405.000Z") }

// timerRun is the name of a timer's run (or tick) of that name: a timer's runs are their own,
// in the records and the ledger.
func timerRun(run string) string { return "timer-" + run }

// Run scans every place and passes each resource's decisions to emit, one resource at a
// time. It stops at the first listing or emit error (the other places' listings with it).
func (s *Scanner) Run(ctx context.Context, emit func([]engine.Decision) error) (Stats, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	run := s.RunID
	if run == "" {
		run = runName(now())
	}
	return s.judge(ctx, run, emit, func(visit func(*resource.Resource) error) (Stats, error) {
		kinds := s.Engine.ScanKinds()
		needs := map[resource.Kind]resource.Needs{}
		for _, k := range kinds {
			needs[k] = s.Engine.ScanNeeds(k)
		}
		return s.Each(ctx, kinds, needs, visit)
	})
}

// judge has the engine judge each resource list gives, as scan run, counting what it decided
// in the Stats list returns. list calls visit one resource at a time.
func (s *Scanner) judge(ctx context.Context, run string, emit func([]engine.Decision) error, list func(visit func(*resource.Resource) error) (Stats, error)) (Stats, error) {
	judged, records := 0, 0
	st, err := list(func(res *resource.Resource) error {
		ds := s.Engine.Judge(ctx, run, res)
		if len(ds) != 1 || ds[0].Rule != "" {
			judged++
		}
		records += len(ds)
		return emit(ds)
	})
	st.Judged, st.Records = judged, records
	return st, err
}

// Each lists, in every place (Parallel at once), every resource of each kind with what needs
// says of that kind, and passes each resource to visit, one at a time (visit need not be safe
// for concurrent use), its account and region filled in. It stops at the first listing or
// visit error (the other places' listings with it). Run is Each with the engine judging; scan
// --controls visits with the control catalogue.
func (s *Scanner) Each(ctx context.Context, kinds []resource.Kind, needs map[resource.Kind]resource.Needs, visit func(*resource.Resource) error) (Stats, error) {
	st := Stats{Listed: map[resource.Kind]int{}}
	places, err := s.places(ctx)
	if err != nil {
		return st, err
	}
	st.Places = places
	parallel := s.Parallel
	if parallel <= 0 {
		parallel = DefaultParallel
	}

	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex // visit and the counts: one resource at a time
		firstErr error
		done     int
		wg       sync.WaitGroup
		slots    = make(chan struct{}, parallel)
	)
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
			cancel()
		}
		mu.Unlock()
	}
	for _, at := range places {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-slots }()
			one := func(res *resource.Resource) error {
				mu.Lock()
				defer mu.Unlock()
				if firstErr != nil {
					return firstErr
				}
				if res.Account == "" {
					res.Account = at.Account
				}
				if res.Region == "" {
					res.Region = at.Region
				}
				st.Listed[res.Kind]++
				return visit(res)
			}
			for _, k := range kinds {
				if err := s.Lister.List(ctx, k, at, needs[k], one); err != nil {
					fail(fmt.Errorf("scanning %s: %w", at, err))
					return
				}
			}
			mu.Lock()
			done++
			if s.Progress != nil {
				fmt.Fprintf(s.Progress, "\rec2guard: scan: %d of %d places, %d resources", done, len(places), st.Total())
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if s.Progress != nil {
		fmt.Fprint(s.Progress, "\r\033[K")
	}
	if firstErr == nil {
		firstErr = parent.Err() // places never started when the caller gave up
	}
	return st, firstErr
}

// places are the accounts × regions to scan; the credentials' own account is named, so
// that records and state-change patterns see it.
func (s *Scanner) places(ctx context.Context) ([]resource.Place, error) {
	accounts := s.Accounts
	if len(accounts) == 0 {
		own, err := s.Lister.OwnAccount(ctx)
		if err != nil {
			return nil, fmt.Errorf("scanning: %w", err)
		}
		accounts = []string{own}
	}
	var out []resource.Place
	for _, a := range accounts {
		for _, r := range s.Regions {
			out = append(out, resource.Place{Account: a, Region: r})
		}
	}
	return out, nil
}
