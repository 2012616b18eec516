package act

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/ledger"
)

// A rule's grace on moto through the real SDK: the failing instance gets its pending tag and
// its owner's topic is told; before the due time nothing happens; at the due time (injected
// clock) two processes sharing the state table stop it once; a resource fixed in time is
// cleared.
func TestGraceOnMoto(t *testing.T) {
	f := newFleet(t)
	topic, received := inbox(t, f, "owners")
	mototest.StateTable(t, "ec2guard-state")
	src := `rules:
  - name: require-exception
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [running]}}
    filters: [{state: [running]}, {tag: SPECIAL_EXCEPTION, absent: true}]
    grace: 3d
    actions: [stop, {notify: {topic: "${var:topic}"}}]
    mode: enforce
`
	var mu sync.Mutex
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	process := func() *engine.Engine {
		return newEngine(t, src, map[string]string{"topic": topic}, func(c *engine.Config) {
			c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			api := awsapi.New()
			c.Inventory, c.Marker = api, api
			d := ledger.NewDynamo(api.Table("ec2guard-state"))
			c.Ledger, c.Budget = d, d
		})
	}
	a, b := process(), process()
	tag := engine.PendingTag("require-exception")
	id := f.Run(nil, false)

	ds := a.Handle(f.Ctx, stateChangeEvent(t, "e-1", id, "running"))
	if len(ds) != 2 || ds[0].Outcome != engine.Pending || ds[1].Outcome != engine.Applied {
		t.Fatalf("first failure: %+v", ds)
	}
	if got := f.Tags(id)[tag]; got != "stop@2026-12-06T10:00:00Z" {
		t.Fatalf("pending tag %q", got)
	}
	notes := received(2)
	if len(notes) != 1 || notes[0].Subject != "ec2guard: require-exception on "+id+": pending" ||
		!strings.Contains(notes[0].Message, "ec2guard will act on "+id+" unless it is fixed by then: stop: grace 3d: due 2026-12-06T10:00:00Z") {
		t.Fatalf("owner told %+v", notes)
	}

	mu.Lock()
	now = time.Date(2026, 12, 6, 9, 59, 0, 0, time.UTC)
	mu.Unlock()
	if ds := a.Handle(f.Ctx, stateChangeEvent(t, "e-2", id, "running")); len(ds) != 1 || ds[0].Outcome != engine.Skipped || !strings.HasPrefix(ds[0].Reason, "pending: stop due 2026-12-06T10:00:00Z") {
		t.Fatalf("before due: %+v", ds)
	}

	mu.Lock()
	now = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	mu.Unlock()
	var wg sync.WaitGroup
	results := make([][]engine.Decision, 2)
	for i, p := range []*engine.Engine{a, b} {
		wg.Go(func() {
			results[i] = p.Handle(f.Ctx, stateChangeEvent(t, []string{"scan-a", "scan-b"}[i], id, "running"))
		})
	}
	wg.Wait()
	stops := 0
	for _, ds := range results {
		for _, d := range ds {
			if d.Action == "stop" && d.Outcome == engine.Applied {
				stops++
			}
		}
	}
	if stops != 1 || f.State(id) == "running" {
		t.Fatalf("due: %d stops, %s\n%+v", stops, f.State(id), results)
	}
	if _, ok := f.Tags(id)[tag]; ok {
		t.Errorf("the pending tag stays: %v", f.Tags(id))
	}

	fixed := f.Run(nil, false)
	a.Handle(f.Ctx, stateChangeEvent(t, "e-3", fixed, "running"))
	if _, ok := f.Tags(fixed)[tag]; !ok {
		t.Fatalf("no pending tag on %s", fixed)
	}
	if _, err := f.EC2.CreateTags(f.Ctx, &ec2.CreateTagsInput{Resources: []string{fixed}, Tags: []ec2types.Tag{{Key: aws.String("SPECIAL_EXCEPTION"), Value: aws.String("until=2027-01-31")}}}); err != nil {
		t.Fatal(err)
	}
	if ds := a.Handle(f.Ctx, stateChangeEvent(t, "e-4", fixed, "running")); len(ds) != 1 || !strings.Contains(ds[0].Reason, "the pending actions are cancelled") {
		t.Fatalf("fixed: %+v", ds)
	}
	if _, ok := f.Tags(fixed)[tag]; ok || f.State(fixed) != "running" {
		t.Errorf("fixed: tags %v, %s", f.Tags(fixed), f.State(fixed))
	}
}
