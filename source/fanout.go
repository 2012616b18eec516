package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/hub"
	"github.com/ec2guard/ec2guard/resource"
)

// PageLister lists page by page and resumes from a page token (awsapi.Clients.ListFrom).
type PageLister interface {
	Lister
	ListFrom(ctx context.Context, kind resource.Kind, at resource.Place, needs resource.Needs, token string, fn func(*resource.Resource) error, page func(next string) bool) error
}

// Sender puts messages on an SQS queue (awsapi.Clients.Send) and tells how many it holds
// (Pending).
type Sender interface {
	Send(ctx context.Context, queueURL string, bodies []string) error
	Pending(ctx context.Context, queueURL string) (int, error)
}

// PartType marks a message of a fanned-out scan (its "ec2guard" field).
const PartType = "scan-part"

// Part is one SQS message of a fanned-out scan: a place to scan in one tick of the schedule,
// the kinds left to list there and, for the first of them, the page to resume from.
type Part struct {
	Type    string          `json:"ec2guard"` // PartType
	Tick    string          `json:"tick"`     // the Scheduled Event's time: one per run of the schedule
	Account string          `json:"account"`
	Region  string          `json:"region"`
	Kinds   []resource.Kind `json:"kinds"`
	Token   string          `json:"token,omitempty"`
	// Timer marks a part of the timer's tick: judged by the time-driven rules alone
	// (FanOut.Timer).
	Timer bool `json:"timer,omitempty"`
}

// ParsePart reads a message body as a Part; ok is false for a body that is not one (it may
// be anything else a queue carries).
func ParsePart(body string) (p Part, ok bool, err error) {
	if err := json.Unmarshal([]byte(body), &p); err != nil || p.Type != PartType {
		return Part{}, false, nil
	}
	switch {
	case p.Tick == "" || p.Region == "":
		return p, true, errors.New("a scan part without its tick or region")
	case len(p.Kinds) == 0:
		return p, true, errors.New("a scan part with no kinds to list")
	}
	for _, k := range p.Kinds {
		if _, ok := resource.ParseKind(string(k)); !ok {
			return p, true, fmt.Errorf("a scan part of an unknown kind %q", k)
		}
	}
	return p, true, nil
}

// key names the part in the ledger: a remainder (other kinds, another page) is another part.
func (p Part) key() string {
	kinds := make([]string, len(p.Kinds))
	for i, k := range p.Kinds {
		kinds[i] = string(k)
	}
	kind := "scan-part|"
	if p.Timer {
		kind = "timer-part|"
	}
	return kind + p.Tick + "|" + p.Account + "|" + p.Region + "|" + strings.Join(kinds, ",") + "|" + p.Token
}

func (p Part) String() string {
	tick := "tick"
	if p.Timer {
		tick = "timer tick"
	}
	s := fmt.Sprintf("%s/%s of %s %s (%s", p.Account, p.Region, tick, p.Tick, p.Kinds[0])
	if p.Token != "" {
		s += " from a page token"
	}
	if len(p.Kinds) > 1 {
		s += fmt.Sprintf(" and %d more kinds", len(p.Kinds)-1)
	}
	return s + ")"
}

// FanOut is a scheduled scan spread over an SQS queue, for an Organization's many accounts and
// regions that one invocation could not cover: the schedule's invocation enqueues one Part per
// (account, region) (Enqueue), and the function, subscribed to the queue with a bounded
// concurrency, scans one part per message (Scan). A part whose time runs short puts its
// remainder (the kind it was listing and the next page's token, and the kinds after it) on the
// queue and ends. A part that failed is retried by SQS (the function reports it as a batch
// item failure; after the queue's redrive count it goes to the dead-letter queue); one that
// succeeded is recorded in the ledger and not scanned again, should its message come twice.
// The engine judges every resource with the tick as the scan's run, so an action applied
// before a failure is not applied again by the retry, and TickBudget caps the tick's mutating
// actions across all of its parts.
type FanOut struct {
	Lister PageLister
	Engine Judge
	Queue  Sender
	URL    string        // the queue of the parts
	Parts  engine.Ledger // the parts done (the state table)
	// Regions are the regions to scan; Accounts gives the accounts (an Organization's, or the
	// deployment's list); nil or none: the account of the credentials.
	Regions  []string
	Accounts func(ctx context.Context) ([]string, error)
	// Margin is the time a part keeps before its deadline to put its remainder on the queue
	// (default 1m): past the first page, none is started with less left.
	Margin time.Duration
	// PartTTL is how long a part done is remembered (default 7 days).
	PartTTL time.Duration
	Now     func() time.Time // default time.Now
	Logger  *slog.Logger     // default: discard
	// Findings, when set, also judges each resource by these controls and sends their
	// findings to Security Hub in the part's account and region (not in the timer's parts).
	Findings *Findings
	// Timer judges the parts of the timer's ticks (engine.Timer: the time-driven rules
	// alone); nil: the timer's ticks are refused.
	Timer Judge
}

// findings are the controls a part sends findings of: none of a timer's part, which judges
// the time-driven rules alone.
func (f *FanOut) findings(p Part) *Findings {
	if p.Timer {
		return nil
	}
	return f.Findings
}

// judge is the Judge of a part: the timer's, or the engine.
func (f *FanOut) judge(timer bool) (Judge, error) {
	switch {
	case !timer:
		return f.Engine, nil
	case f.Timer == nil:
		return nil, errors.New("a timer's tick, and the scan has no timer")
	}
	return f.Timer, nil
}

// Findings are the controls a fanned-out scan sends to Security Hub (the `- control:` entries
// of the rule file), and the Security Hub calls (awsapi.Clients, in each place's account).
type Findings struct {
	Checks []*controls.Check
	Hub    hub.API
}

// ErrPartAgain is the error of a part whose scan must come again: an action failed or was
// held back by the per-minute cap, or another process holds the part.
var ErrPartAgain = errors.New("the scan part comes again")

func (f *FanOut) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

func (f *FanOut) logger() *slog.Logger {
	if f.Logger != nil {
		return f.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Enqueue puts one part per (account, region) of the tick on the queue, each with every kind
// the rules judge (with timer, the time-driven rules: a timer's tick), and returns how many.
func (f *FanOut) Enqueue(ctx context.Context, tick string, timer bool) (int, error) {
	judge, err := f.judge(timer)
	if err != nil {
		return 0, fmt.Errorf("fanning out the scan: %w", err)
	}
	if timer {
		// A timer ticks often: while the parts of a tick are still on the queue (a fleet the
		// concurrency takes longer than a tick to scan), the next tick waits instead of
		// piling its parts on theirs. A timer's part is tried once (Scan), so none lingers.
		switch n, err := f.Queue.Pending(ctx, f.URL); {
		case err != nil:
			f.logger().Warn("timer: the queue's depth is unknown; the tick is enqueued", "error", err)
		case n > 0:
			f.logger().Info("timer: the parts of an earlier tick are still on the queue; this tick is skipped", "tick", tick, "pending", n)
			return 0, nil
		}
	}
	var accounts []string
	if f.Accounts != nil {
		var err error
		if accounts, err = f.Accounts(ctx); err != nil {
			return 0, fmt.Errorf("fanning out the scan: %w", err)
		}
	}
	if len(accounts) == 0 {
		own, err := f.Lister.OwnAccount(ctx)
		if err != nil {
			return 0, fmt.Errorf("fanning out the scan: %w", err)
		}
		accounts = []string{own}
	}
	if len(f.Regions) == 0 {
		return 0, errors.New("fanning out the scan: no regions")
	}
	kinds := judge.ScanKinds()
	if len(kinds) == 0 {
		return 0, nil // no rule a scan applies
	}
	var bodies []string
	for _, a := range accounts {
		for _, r := range f.Regions {
			b, err := json.Marshal(Part{Type: PartType, Tick: tick, Account: a, Region: r, Kinds: kinds, Timer: timer})
			if err != nil {
				return 0, err
			}
			bodies = append(bodies, string(b))
		}
	}
	if err := f.Queue.Send(ctx, f.URL, bodies); err != nil {
		return 0, fmt.Errorf("fanning out the scan: %w", err)
	}
	return len(bodies), nil
}

// Scan scans one part, passing each resource's decisions to emit, and returns nil once the
// part is done (its remainder, if its time ran short, on the queue). A part done before is
// not scanned again. An error leaves the part to be retried: ErrPartAgain when an action
// failed or was held back, or another process holds the part now.
func (f *FanOut) Scan(ctx context.Context, p Part, emit func([]engine.Decision) error) error {
	start := f.now()
	key, owner := p.key(), partOwner()
	lease := 15 * time.Minute // Lambda's longest run
	if d, ok := ctx.Deadline(); ok {
		lease = d.Sub(start) + engine.LeaseGrace
	}
	switch st, err := f.Parts.Claim(ctx, key, owner, start, lease); {
	case err != nil:
		return fmt.Errorf("scan part %s: %w", p, err)
	case st == engine.AlreadyDone:
		f.logger().Info("scan part done already", "part", p.String())
		return nil
	case st == engine.HeldElsewhere:
		return fmt.Errorf("scan part %s: another process is scanning it: %w", p, ErrPartAgain)
	}
	tick := p.Tick
	if p.Timer {
		tick = timerRun(tick) // the timer's cap is its own tick's
	}
	rest, found, again, err := f.scan(withTick(ctx, tick), p, emit)
	if err == nil && f.findings(p) != nil {
		err = f.send(ctx, p, rest == nil, found)
	}
	if err == nil && rest != nil {
		var b []byte
		if b, err = json.Marshal(rest); err == nil {
			err = f.Queue.Send(ctx, f.URL, []string{string(b)})
		}
		if err == nil {
			f.logger().Info("scan part resumes in another message", "part", p.String(), "rest", rest.String())
		}
	}
	switch {
	case err == nil && again > 0 && p.Timer:
		// The timer's next tick is the retry (what failed was not recorded done); SQS's would
		// scan the place again now and dead-letter the part in the end.
		f.logger().Warn("timer part: actions failed or were held back; the next tick tries them again", "part", p.String(), "actions", again)
	case err == nil && again > 0:
		err = fmt.Errorf("scan part %s: %d actions failed or were held back: %w", p, again, ErrPartAgain)
	}
	if err != nil {
		if rerr := f.Parts.Release(ctx, key, owner); rerr != nil {
			f.logger().Warn("releasing a failed scan part (a retry waits for its claim to lapse)", "part", p.String(), "error", rerr)
		}
		if p.Timer && !errors.Is(err, ErrPartAgain) {
			// The next tick is a timer part's retry: SQS's would hold the queue (and, with it,
			// every tick: Enqueue) for its redrive count, about an hour and a half, to no end
			// while the place stays broken (a role not there, a region not enabled).
			f.logger().Error("timer part failed; the next tick tries the place again", "part", p.String(), "error", err)
			return nil
		}
		return err
	}
	ttl := f.PartTTL
	if ttl <= 0 {
		ttl = 7 * 24 * time.Hour
	}
	if err := f.Parts.MarkDone(ctx, key, owner, f.now(), ttl); err != nil {
		return fmt.Errorf("scan part %s: recording it done: %w", p, err)
	}
	return nil
}

// scan lists the part's kinds from its token on, judging each resource, until they are done
// or its time runs short: then rest is what is left. found are the controls' findings (with
// Findings), again counts the decisions that must come again.
func (f *FanOut) scan(ctx context.Context, p Part, emit func([]engine.Decision) error) (rest *Part, found []controls.Finding, again int, err error) {
	at := resource.Place{Account: p.Account, Region: p.Region}
	run := tickRun(p.Tick)
	judger, err := f.judge(p.Timer)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("scan part %s: %w", p, err)
	}
	findings := f.findings(p)
	if p.Timer {
		run = timerRun(run)
	}
	margin := f.Margin
	if margin <= 0 {
		margin = time.Minute
	}
	short := func() bool {
		d, ok := ctx.Deadline()
		return ok && d.Sub(f.now()) < margin
	}
	for i, kind := range p.Kinds {
		token := ""
		if i == 0 {
			token = p.Token
		}
		judge := func(res *resource.Resource) error {
			if res.Account == "" {
				res.Account = at.Account
			}
			if findings != nil {
				now := f.now().UTC()
				for _, k := range findings.Checks {
					if k.Kind == res.Kind {
						rec := k.NewRecord(res, k.Evaluate(res, now), now)
						found = append(found, k.ASFF(&rec))
					}
				}
			}
			ds := judger.Judge(ctx, run, res)
			for _, d := range ds {
				if d.Outcome == engine.Failed || engine.RateLimited(d) {
					again++
				}
			}
			return emit(ds)
		}
		err := f.Lister.ListFrom(ctx, kind, at, judger.ScanNeeds(kind), token, judge, func(next string) bool {
			last := next == "" && i == len(p.Kinds)-1
			if last || !short() {
				return true
			}
			r := p
			if r.Kinds, r.Token = p.Kinds[i:], next; next == "" {
				r.Kinds = p.Kinds[i+1:]
			}
			rest = &r
			return false
		})
		if err != nil {
			return nil, found, again, fmt.Errorf("scan part %s: %w", p, err)
		}
		if rest != nil {
			return rest, found, again, nil
		}
	}
	return nil, found, again, nil
}

// send sends a part's findings to Security Hub (hub.Send). A part that scanned its place
// whole (every kind the tick lists, from the first page) also closes the active findings of
// its controls there whose resource it did not see (gone); a part of a place resumed across
// messages sees only some of it, and closes only those that pass now.
func (f *FanOut) send(ctx context.Context, p Part, finished bool, found []controls.Finding) error {
	at := resource.Place{Account: p.Account, Region: p.Region}
	var generators []string
	if whole := finished && p.Token == "" && slices.Equal(p.Kinds, f.Engine.ScanKinds()); whole {
		for _, k := range f.Findings.Checks {
			generators = append(generators, hub.Prefix+k.ID)
		}
	}
	res, err := hub.Send(ctx, f.Findings.Hub, found, []resource.Place{at}, generators, f.now())
	if err != nil {
		return fmt.Errorf("scan part %s: Security Hub: %w", p, err)
	}
	for _, ff := range res.Failed {
		f.logger().Warn("Security Hub refused a finding", "part", p.String(), "finding", ff.ID, "code", ff.Code, "message", ff.Message)
	}
	if res.Unresolved != nil {
		f.logger().Warn("Security Hub: fixed findings archived, their workflow status not RESOLVED", "part", p.String(), "error", res.Unresolved)
	}
	f.logger().Info("findings sent to Security Hub", "part", p.String(), "imported", res.Imported, "archived", res.Archived, "resolved", res.Resolved)
	return nil
}

// tickRun is the scan run of a tick, as Scanner names its runs (engine.ScanID): the same for
// every part of the tick and every retry of a part.
func tickRun(tick string) string {
	if t, err := time.Parse(time.RFC3339, tick); err == nil {
		return runName(t)
	}
	return tick
}

// partOwner names this invocation's claims on parts.
func partOwner() string {
	return "part:" + strconv.Itoa(os.Getpid()) + ":" + strconv.FormatInt(time.Now().UnixNano(), 36)
}

type tickKey struct{}

func withTick(ctx context.Context, tick string) context.Context {
	return context.WithValue(ctx, tickKey{}, tick)
}

// Counter raises and lowers a shared count (awsapi.Table).
type Counter interface {
	// CountUp adds one to key's count unless it has reached limit (ok false).
	CountUp(ctx context.Context, key string, limit int, expiresAt time.Time) (ok bool, err error)
	CountDown(ctx context.Context, key string) error
}

// TickBudget is the engine's Budget with the blast-radius cap of a fanned-out scan: within
// FanOut.Scan (the context names the tick), a mutating action also takes one from the tick's
// count in the shared table, at most Cap across every part of the tick, whichever process
// scans it; past it engine.ScanCapExceeded. Outside a part (events) it is Budget alone.
type TickBudget struct {
	engine.Budget
	Counter Counter
	Cap     int // <=0: no cap across the tick
}

// Take takes one action from the tick's count, then from Budget; a limit of Budget gives the
// tick's back.
func (b *TickBudget) Take(ctx context.Context, res string, now time.Time, l engine.Limits) (engine.Exceeded, error) {
	tick, ok := ctx.Value(tickKey{}).(string)
	if !ok || b.Cap <= 0 {
		return b.Budget.Take(ctx, res, now, l)
	}
	key := "scan|" + tick
	ok, err := b.Counter.CountUp(ctx, key, b.Cap, now.Add(48*time.Hour))
	if err != nil {
		return engine.ScanCapExceeded, fmt.Errorf("counting the scan's actions: %w", err)
	}
	if !ok {
		return engine.ScanCapExceeded, nil
	}
	x, err := b.Budget.Take(ctx, res, now, l)
	if err == nil && x != engine.WithinLimits {
		_ = b.Counter.CountDown(ctx, key) // not acted: the tick's count given back
	}
	return x, err
}
