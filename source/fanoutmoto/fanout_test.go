// Package fanoutmoto tests the fanned-out scheduled scan (source.FanOut) end to end on moto:
// the real SDK, a real SQS queue with a dead-letter queue, the DynamoDB state table, and
// member accounts through an assumed role. Its caps rely on DynamoDB's atomic conditional
// writes, so moto serves one request at a time (mototest.MainSerial).
package fanoutmoto

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ec2guard/ec2guard/act"
	"github.com/ec2guard/ec2guard/actions"
	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/controls"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/ledger"
	"github.com/ec2guard/ec2guard/resource"
	"github.com/ec2guard/ec2guard/rules"
	"github.com/ec2guard/ec2guard/source"
)

func TestMain(m *testing.M) { os.Exit(mototest.MainSerial(m)) }

const role = "ec2guard-remediation"

// distinct are the messages' bodies, each once: SQS delivers at least once, and a
// SendMessageBatch whose answer was lost is sent again by the SDK (the ledger keeps a part
// from being scanned twice).
func distinct(bodies []string) []string {
	out := slices.Clone(bodies)
	slices.Sort(out)
	return slices.Compact(out)
}

// in is the fleet of a place: another account's through its remediation role.
func in(f *mototest.Fleet, p resource.Place) *mototest.Fleet {
	if p.Account != mototest.AccountID {
		f = f.InAccount(p.Account, role)
	}
	return f.InRegion(p.Region)
}

// restartProtected starts a protected instance that stopped: no time in it.
const restartProtected = `  - name: restart-protected
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    filters: [{tag: Protected, equals: "true"}]
    actions: [start]
    mode: enforce
`

// failOnce fails the first listing of one place, as a throttled or failed call would after
// the SDK's retries.
type failOnce struct {
	*awsapi.Clients
	at     resource.Place
	failed atomic.Bool
}

func (l *failOnce) ListFrom(ctx context.Context, kind resource.Kind, at resource.Place, needs resource.Needs, token string, fn func(*resource.Resource) error, page func(string) bool) error {
	if at == l.at && l.failed.CompareAndSwap(false, true) {
		return errors.New("injected: DescribeInstances failed")
	}
	return l.Clients.ListFrom(ctx, kind, at, needs, token, fn, page)
}

// One tick of a scheduled scan fanned out over three accounts (ours and two members, through
// their remediation role) and three regions, through an SQS queue on moto taken by three
// workers as the event source mapping's bounded concurrency would: each (account, region) is
// one part; the part of one place fails once and is retried by SQS; the part of another has
// its time run short after its first page and resumes from the page token in a second
// message; a part delivered again after it succeeded is not scanned again; and of the 18
// protected stopped instances, the tick starts exactly its cap of 5, across all parts.
func TestFanOutOnMoto(t *testing.T) {
	f := mototest.NewFleet(t)
	ctx := context.Background()
	accounts := []string{mototest.AccountID, "222222222222", "333333333333"}
	regions := []string{mototest.Region, "eu-west-1", "ap-southeast-2"}
	instances := map[string]resource.Place{}
	protected := 0
	for _, a := range accounts {
		for _, r := range regions {
			fr := in(f, resource.Place{Account: a, Region: r})
			for i := range 3 { // one reservation each: a page each, two to a page below
				id := fr.Run(map[string]string{"Protected": strconv.FormatBool(i < 2)}, i < 2)
				instances[id] = resource.Place{Account: a, Region: r}
				if i < 2 {
					protected++
				}
			}
		}
	}

	q := sqs.NewFromConfig(f.Cfg)
	dlq := createQueue(t, q, "ec2guard-scan-dlq", nil)
	dlqArn, err := awsapi.New().CheckQueue(ctx, dlq)
	if err != nil {
		t.Fatal(err)
	}
	url := createQueue(t, q, "ec2guard-scan", map[string]string{
		"VisibilityTimeout": "120",
		"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"3"}`, dlqArn),
	})
	mototest.StateTable(t, "ec2guard-state")

	clients := awsapi.New()
	clients.MaxBackoff = time.Millisecond
	clients.PageSize = 1
	clients.SetAssumeRole(role)
	table := ledger.NewDynamo(clients.Table("ec2guard-state"))
	set, err := rules.Load("r.yaml", []byte("rules:\n"+restartProtected), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const scanCap = 5
	factory := &act.Factory{API: clients, Poll: 10 * time.Millisecond}
	eng, err := engine.New(engine.Config{
		Rules: set, NewAction: factory.New, Inventory: clients, Ledger: table,
		Budget:    &source.TickBudget{Budget: table, Counter: clients.Table("ec2guard-state"), Cap: scanCap},
		MaxPerRun: -1, MaxPerMinute: -1, LoopBudget: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	failing := resource.Place{Account: "333333333333", Region: "eu-west-1"}
	short := resource.Place{Account: "222222222222", Region: "ap-southeast-2"}
	lister := &failOnce{Clients: clients, at: failing}
	fan := &source.FanOut{Lister: lister, Engine: eng, Queue: clients, URL: url, Parts: table, Regions: regions,
		Accounts: func(context.Context) ([]string, error) { return accounts, nil }}
	var log syncBuffer
	handler := source.LambdaScheduled(eng, &log, source.Scheduled{Fan: fan})

	tick := `{"version":"0","id":"tick-1","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-12-03T06:00:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/scan"],"detail":{}}`
	if res, err := handler(ctx, json.RawMessage(tick)); err != nil || len(res.Decisions) != 0 {
		t.Fatalf("the schedule's invocation: %+v %v", res, err)
	}

	// The part of the short place gets 30 s before its deadline, less than the minute a page needs.
	esm := &mapping{clients: clients, url: url, handler: handler, deadline: func(p source.Part) time.Duration {
		if p.Account == short.Account && p.Region == short.Region && p.Token == "" {
			return 30 * time.Second
		}
		return 10 * time.Minute
	}}
	esm.drain(t)
	bodies, failures := esm.bodies, esm.failures

	// Every place was one part (the failed one delivered again), the short one resumed once.
	handled := map[string]int{}
	resumed := 0
	for _, b := range distinct(bodies) {
		p, ok, err := source.ParsePart(b)
		if !ok || err != nil {
			t.Fatalf("message %s: %v", b, err)
		}
		handled[p.Account+"/"+p.Region]++
		if p.Token != "" {
			resumed++
			if p.Account != short.Account || p.Region != short.Region || !slices.Equal(p.Kinds, []resource.Kind{resource.Instance}) {
				t.Errorf("a part resumed that was not short of time: %+v", p)
			}
		}
	}
	for _, a := range accounts {
		for _, r := range regions {
			want := 1
			if (resource.Place{Account: a, Region: r}) == short {
				want = 2 // the part and its remainder
			}
			if handled[a+"/"+r] != want {
				t.Errorf("%s/%s: %d parts, want %d", a, r, handled[a+"/"+r], want)
			}
		}
	}
	if resumed != 1 || len(failures) != 1 {
		t.Errorf("%d parts resumed, failures %v; want 1 and one message failed once", resumed, failures)
	}
	if n := messages(t, q, dlq); n != 0 {
		t.Errorf("%d messages in the dead-letter queue", n)
	}

	// Each instance judged once, in its place; the tick's cap across the parts.
	judged := map[string]int{}
	started, capped := 0, 0
	for _, d := range decisionsOf(t, log.String()) {
		judged[d.Resource]++
		if p := instances[d.Resource]; p.Account != d.Account || p.Region != d.Region {
			t.Errorf("%s decided in %s/%s, is in %s", d.Resource, d.Account, d.Region, p)
		}
		if !strings.HasPrefix(d.EventID, "scan-20261203T060000.000Z-") {
			t.Errorf("decision of run %s", d.EventID)
		}
		switch {
		case d.Action == "start" && d.Outcome == engine.Applied:
			started++
		case d.Action == "start" && d.Outcome == engine.Suppressed && strings.Contains(d.Reason, "scan's cap"):
			capped++
		}
	}
	for id := range instances {
		if judged[id] != 1 {
			t.Errorf("%s judged %d times", id, judged[id])
		}
	}
	if started != scanCap || capped != protected-scanCap {
		t.Errorf("%d started and %d held back by the scan's cap, want %d and %d", started, capped, scanCap, protected-scanCap)
	}
	running := 0
	for id, p := range instances {
		if s := in(f, p).State(id); s == "running" || s == "pending" {
			running++
		}
	}
	if want := len(instances) - protected + scanCap; running != want {
		t.Errorf("%d instances running, want %d", running, want)
	}

	// A part delivered again after it succeeded is not scanned again.
	before := len(decisionsOf(t, log.String()))
	if err := clients.Send(ctx, url, []string{bodies[0]}); err != nil {
		t.Fatal(err)
	}
	esm.bodies = nil
	esm.drain(t)
	if bodies = distinct(esm.bodies); len(bodies) != 1 || len(decisionsOf(t, log.String())) != before {
		t.Errorf("a part done, delivered again: %d messages, %d decisions more", len(bodies), len(decisionsOf(t, log.String()))-before)
	}
}

// mapping is the event source mapping: three workers, one message per invocation; a message
// the function reports as failed stays, to come again after its visibility timeout (made 0
// here, so the test need not wait).
type mapping struct {
	clients  *awsapi.Clients
	url      string
	handler  func(context.Context, json.RawMessage) (source.LambdaResult, error)
	deadline func(source.Part) time.Duration // of each invocation

	mu       sync.Mutex
	bodies   []string // every message handled, in order
	failures map[string]int
}

// drain has three workers take the queue's messages until it has been empty a while.
func (m *mapping) drain(t *testing.T) {
	t.Helper()
	if m.failures == nil {
		m.failures = map[string]int{}
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.consume(t)
		}()
	}
	wg.Wait()
}

func (m *mapping) consume(t *testing.T) {
	ctx := context.Background()
	for empty := 0; empty < 4; {
		msgs, err := m.clients.Receive(ctx, m.url, 1, 1, 120)
		if err != nil {
			t.Error(err)
			return
		}
		if len(msgs) == 0 {
			empty++
			continue
		}
		empty = 0
		msg := msgs[0]
		p, _, _ := source.ParsePart(msg.Body)
		ictx, cancel := context.WithTimeout(ctx, m.deadline(p))
		raw, _ := json.Marshal(map[string]any{"Records": []map[string]string{{"messageId": msg.ID, "body": msg.Body, "eventSource": "aws:sqs"}}})
		res, err := m.handler(ictx, raw)
		cancel()
		if err != nil {
			t.Errorf("invocation: %v", err)
			return
		}
		m.mu.Lock()
		m.bodies = append(m.bodies, msg.Body)
		for _, f := range res.BatchItemFailures {
			m.failures[f.ItemIdentifier]++
		}
		m.mu.Unlock()
		if len(res.BatchItemFailures) > 0 {
			if err := m.clients.ExtendVisibility(ctx, m.url, msg.ReceiptHandle, 0); err != nil {
				t.Error(err)
			}
			continue
		}
		if err := m.clients.Delete(ctx, m.url, msg.ReceiptHandle); err != nil {
			t.Error(err)
		}
	}
}

func createQueue(t *testing.T, q *sqs.Client, name string, attrs map[string]string) string {
	t.Helper()
	out, err := q.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl)
}

func messages(t *testing.T, q *sqs.Client, url string) int {
	t.Helper()
	out, err := q.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: &url, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(out.Attributes["ApproximateNumberOfMessages"])
	return n
}

func decisionsOf(t *testing.T, log string) []engine.Decision {
	t.Helper()
	var ds []engine.Decision
	for line := range strings.SplitSeq(strings.TrimSpace(log), "\n") {
		if line == "" {
			continue
		}
		var d engine.Decision
		if err := json.Unmarshal([]byte(line), &d); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		ds = append(ds, d)
	}
	return ds
}

// syncBuffer is the function's log, written by the workers at once.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// With Findings, each part also judges the rule file's `- control:` entries and sends their
// findings to Security Hub in the part's own account and region (a member's through its
// role): two accounts × two regions, an instance each, EC2.8's finding FAILED in each place,
// none elsewhere.
func TestFanOutFindingsOnMoto(t *testing.T) {
	f := mototest.NewFleet(t)
	ctx := context.Background()
	accounts := []string{mototest.AccountID, "222222222222"}
	regions := []string{mototest.Region, "eu-west-1"}
	instances := map[resource.Place]string{}
	for _, a := range accounts {
		fa := f
		if a != mototest.AccountID {
			fa = f.InAccount(a, role)
		}
		for _, r := range regions {
			instances[resource.Place{Account: a, Region: r}] = fa.InRegion(r).Run(nil, false) // moto: HttpTokens optional
		}
	}
	url := createQueue(t, sqs.NewFromConfig(f.Cfg), "ec2guard-scan", map[string]string{"VisibilityTimeout": "120"})
	mototest.StateTable(t, "ec2guard-state")
	clients := awsapi.New()
	clients.MaxBackoff = time.Millisecond
	clients.SetAssumeRole(role)
	table := ledger.NewDynamo(clients.Table("ec2guard-state"))
	set, err := rules.Load("r.yaml", []byte("rules:\n  - control: EC2.8\n"), rules.Options{Controls: controls.RuleSource, ParseAction: actions.ParseSpec})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Config{Rules: set, NewAction: (&act.Factory{API: clients}).New, Inventory: clients, Ledger: table, Budget: table})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := controls.ByID("EC2.8")
	fan := &source.FanOut{Lister: clients, Engine: eng, Queue: clients, URL: url, Parts: table, Regions: regions,
		Accounts: func(context.Context) ([]string, error) { return accounts, nil },
		Findings: &source.Findings{Checks: []*controls.Check{c.MustCompile()}, Hub: clients}}
	var log syncBuffer
	handler := source.LambdaScheduled(eng, &log, source.Scheduled{Fan: fan})
	tick := `{"version":"0","id":"tick-2","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-12-03T12:00:00Z","region":"us-east-1","resources":[],"detail":{}}`
	if _, err := handler(ctx, json.RawMessage(tick)); err != nil {
		t.Fatal(err)
	}
	esm := &mapping{clients: clients, url: url, handler: handler, deadline: func(source.Part) time.Duration { return 10 * time.Minute }}
	esm.drain(t)
	if n := len(distinct(esm.bodies)); n != 4 || len(esm.failures) != 0 {
		t.Fatalf("%d parts in %d messages, failures %v", n, len(esm.bodies), esm.failures)
	}
	for at, id := range instances {
		fs, err := clients.ActiveFindings(ctx, at, "ec2guard/")
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || !strings.HasSuffix(fs[0].ID, id) || fs[0].GeneratorID != "ec2guard/"+c.ID || fs[0].Compliance != "FAILED" {
			t.Errorf("%s: findings %+v, want EC2.8 failed on %s", at, fs, id)
		}
	}
}

// The timer's tick fanned out: one part per (account, region) — the next tick skipped while
// they are on the queue — each judged by the time-driven rules alone — the instances stopped for two days (on the engine's clock) are
// started in every place, the protected ones, which a rule on stop events restarts, are
// left stopped: that rule is the events' and the scan schedule's, not the timer's.
func TestFanOutTimerOnMoto(t *testing.T) {
	f := mototest.NewFleet(t)
	ctx := context.Background()
	accounts := []string{mototest.AccountID, "222222222222"}
	regions := []string{mototest.Region, "eu-west-1"}
	idle, protected := map[string]resource.Place{}, map[string]resource.Place{}
	for _, a := range accounts {
		for _, r := range regions {
			fr := in(f, resource.Place{Account: a, Region: r})
			idle[fr.Run(nil, true)] = resource.Place{Account: a, Region: r}
			protected[fr.Run(map[string]string{"Protected": "true"}, true)] = resource.Place{Account: a, Region: r}
		}
	}
	q := sqs.NewFromConfig(f.Cfg)
	url := createQueue(t, q, "ec2guard-timer", map[string]string{"VisibilityTimeout": "120"})
	mototest.StateTable(t, "ec2guard-timer-state")
	clients := awsapi.New()
	clients.MaxBackoff = time.Millisecond
	clients.SetAssumeRole(role)
	table := ledger.NewDynamo(clients.Table("ec2guard-timer-state"))
	set, err := rules.Load("r.yaml", []byte("rules:\n"+restartProtected+`  - name: start-after-a-day
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    resources: [instance]
    filters: [{stopped-for: 1d}, {tag: Protected, absent: true}]
    actions: [start]
    mode: enforce
`), rules.Options{})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(engine.Config{
		Rules: set, NewAction: (&act.Factory{API: clients, Poll: 10 * time.Millisecond}).New, Inventory: clients, Ledger: table,
		Budget:    &source.TickBudget{Budget: table, Counter: clients.Table("ec2guard-timer-state"), Cap: 100},
		MaxPerRun: -1, MaxPerMinute: -1, LoopBudget: 3,
		Now: func() time.Time { return time.Now().Add(48 * time.Hour) },
	})
	if err != nil {
		t.Fatal(err)
	}
	broken := resource.Place{Account: "222222222222", Region: "eu-west-1"} // its first listing fails
	fan := &source.FanOut{Lister: &failOnce{Clients: clients, at: broken}, Engine: eng, Timer: eng.Timer(), Queue: clients, URL: url, Parts: table, Regions: regions,
		Accounts: func(context.Context) ([]string, error) { return accounts, nil }}
	var log syncBuffer
	handler := source.LambdaScheduled(eng, &log, source.Scheduled{Fan: fan})
	tick := `{"version":"0","id":"tick-1","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-12-03T06:00:00Z","region":"us-east-1","resources":[],"detail":` + event.TimerDetail + `}`
	if res, err := handler(ctx, json.RawMessage(tick)); err != nil || len(res.Decisions) != 0 {
		t.Fatalf("the timer's invocation: %+v %v", res, err)
	}
	// The next tick, while the first one's parts are still on the queue, waits.
	next := strings.Replace(tick, "06:00:00Z", "06:05:00Z", 1)
	if res, err := handler(ctx, json.RawMessage(next)); err != nil || len(res.Decisions) != 0 {
		t.Fatalf("the next tick's invocation: %+v %v", res, err)
	}
	esm := &mapping{clients: clients, url: url, handler: handler, deadline: func(source.Part) time.Duration { return 10 * time.Minute }}
	esm.drain(t)
	parts := distinct(esm.bodies)
	if len(parts) != len(accounts)*len(regions) || len(esm.failures) != 0 {
		t.Fatalf("%d parts, want one per place of the first tick, each tried once (failures %v): %v", len(parts), esm.failures, parts)
	}
	for _, b := range parts {
		if p, ok, err := source.ParsePart(b); !ok || err != nil || !p.Timer || p.Tick != "2026-12-03T06:00:00Z" || !slices.Equal(p.Kinds, []resource.Kind{resource.Instance}) {
			t.Errorf("part %s: %+v %v", b, p, err)
		}
	}
	for _, d := range decisionsOf(t, log.String()) {
		if d.Rule == "restart-protected" || !strings.HasPrefix(d.EventID, "scan-timer-20261203T060000.000Z-") {
			t.Errorf("a timer's decision %+v", d)
		}
	}
	state := func(id string, p resource.Place) string { return in(f, p).State(id) }
	started := func() {
		t.Helper()
		for id, p := range idle {
			if s := state(id, p); (s != "running" && s != "pending") != (p == broken) {
				t.Errorf("%s in %s stopped two days is %s", id, p, s)
			}
		}
	}
	// The broken place's part failed: not retried by SQS (the queue is free for the next tick),
	// its instance left to the next tick, which starts it.
	started()
	broken = resource.Place{}
	third := strings.Replace(tick, "06:00:00Z", "07:00:00Z", 1)
	if res, err := handler(ctx, json.RawMessage(third)); err != nil || len(res.Decisions) != 0 {
		t.Fatalf("the third tick's invocation: %+v %v", res, err)
	}
	esm.drain(t)
	started()
	for id, p := range protected {
		if s := state(id, p); s != "stopped" {
			t.Errorf("protected %s in %s is %s: the timer applied a rule with no time in it", id, p, s)
		}
	}
}
