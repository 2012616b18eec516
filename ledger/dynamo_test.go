package ledger

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/mototest"
)

// The state table's claims and budgets rely on DynamoDB's atomic conditional writes, which
// threaded moto does not make atomic: the tests run on a moto serving one request at a time.
func TestMain(m *testing.M) { os.Exit(mototest.MainSerial(m)) }

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// newTable creates a state table on moto and returns it as one process's store, a second
// process's store (its own AWS clients) and a client to read the table back.
func newTable(t *testing.T) (a, b *Dynamo, raw *dynamodb.Client) {
	t.Helper()
	name := strings.Map(func(r rune) rune { // DynamoDB's table names: [a-zA-Z0-9_.-]
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, t.Name())
	raw = mototest.StateTable(t, name)
	return NewDynamo(awsapi.New().Table(name)), NewDynamo(awsapi.New().Table(name)), raw
}

func TestDynamoConcurrentClaimsOneWins(t *testing.T) {
	ctx := context.Background()
	a, b, _ := newTable(t)
	const racers = 16
	var wg sync.WaitGroup
	states := make([]engine.ClaimState, racers)
	errs := make([]error, racers)
	for i := range racers {
		store := a
		if i%2 == 1 {
			store = b
		}
		wg.Go(func() {
			states[i], errs[i] = store.Claim(ctx, "e1|r|0:start|instance:i-1", fmt.Sprint("owner-", i), t0, time.Minute)
		})
	}
	wg.Wait()
	won := 0
	for i, st := range states {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		switch st {
		case engine.Claimed:
			won++
		case engine.HeldElsewhere:
		default:
			t.Fatalf("racer %d: %v", i, st)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d concurrent claims won, want exactly 1", won, racers)
	}
}

func TestDynamoLedger(t *testing.T) {
	ctx := context.Background()
	a, b, raw := newTable(t)
	const key = "e1|r|0:start|instance:i-1"

	if st, err := a.Claim(ctx, key, "A", t0, time.Minute); st != engine.Claimed || err != nil {
		t.Fatalf("first claim: %v %v", st, err)
	}
	if st, _ := a.Claim(ctx, key, "A", t0, time.Minute); st != engine.Claimed {
		t.Fatalf("the holder claims again: %v", st)
	}
	if st, _ := b.Claim(ctx, key, "B", t0.Add(30*time.Second), time.Minute); st != engine.HeldElsewhere {
		t.Fatalf("claim within the lease: %v", st)
	}
	if seen, _ := b.Seen(ctx, key, t0); seen {
		t.Fatal("a claim is not done")
	}
	// B's release does not drop A's claim.
	if err := b.Release(ctx, key, "B"); err != nil {
		t.Fatal(err)
	}
	if st, _ := b.Claim(ctx, key, "B", t0.Add(30*time.Second), time.Minute); st != engine.HeldElsewhere {
		t.Fatalf("after another owner's release: %v", st)
	}
	// A died without a word: its claim lapses with the lease, and B takes the key over, told
	// that A may have acted.
	if st, _ := b.Claim(ctx, key, "B", t0.Add(61*time.Second), time.Minute); st != engine.TakenOver {
		t.Fatalf("claim after the lease: %v", st)
	}
	// B's own claim, again (a retried PutItem whose first answer was lost) is just its own.
	if st, _ := b.Claim(ctx, key, "B", t0.Add(61*time.Second), time.Minute); st != engine.Claimed {
		t.Fatalf("the new holder claims again: %v", st)
	}
	// Nor is a lapsed claim of one's own a takeover.
	if st, _ := b.Claim(ctx, key, "B", t0.Add(200*time.Second), time.Minute); st != engine.Claimed {
		t.Fatalf("the holder's own lapsed claim: %v", st)
	}
	if err := b.MarkDone(ctx, key, "B", t0.Add(62*time.Second), time.Hour); err != nil {
		t.Fatal(err)
	}
	if seen, _ := a.Seen(ctx, key, t0.Add(2*time.Minute)); !seen {
		t.Fatal("done key not seen by the other process")
	}
	if st, _ := a.Claim(ctx, key, "A", t0.Add(2*time.Minute), time.Minute); st != engine.AlreadyDone {
		t.Fatalf("claim of a done key: %v", st)
	}
	// Past its expiry the item is still in the table (TTL deletion is lazy, and moto's never
	// comes) but counts as absent.
	later := t0.Add(62*time.Second + time.Hour)
	if seen, _ := a.Seen(ctx, key, later); seen {
		t.Fatal("expired key seen")
	}
	got, err := raw.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(a.Name()), Key: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "action|" + key}}})
	if err != nil || got.Item == nil {
		t.Fatalf("the expired item should still be stored: %v", err)
	}
	if exp := got.Item["expires_at"].(*ddbtypes.AttributeValueMemberN).Value; exp != fmt.Sprint(t0.Add(62*time.Second+time.Hour).Unix()) {
		t.Fatalf("expires_at = %s", exp)
	}
	if st, _ := a.Claim(ctx, key, "A", later, time.Minute); st != engine.Claimed {
		t.Fatalf("claim of an expired key: %v", st)
	}
	// A release by its owner frees the key at once.
	if err := a.Release(ctx, key, "A"); err != nil {
		t.Fatal(err)
	}
	if st, _ := b.Claim(ctx, key, "B", later, time.Minute); st != engine.Claimed {
		t.Fatalf("claim after release: %v", st)
	}
}

func TestDynamoBudget(t *testing.T) {
	ctx := context.Background()
	a, b, _ := newTable(t)
	lim := engine.Limits{LoopBudget: 3, LoopWindow: 10 * time.Minute, MaxPerMinute: -1}
	take := func(d *Dynamo, res string, at time.Time, l engine.Limits) engine.Exceeded {
		t.Helper()
		x, err := d.Take(ctx, res, at, l)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	// Two processes share one budget per resource.
	for i, d := range []*Dynamo{a, b, a} {
		if x := take(d, "instance:i-1", t0.Add(time.Duration(i)*time.Minute), lim); x != engine.WithinLimits {
			t.Fatalf("take %d: %v", i, x)
		}
	}
	if x := take(b, "instance:i-1", t0.Add(4*time.Minute), lim); x != engine.LoopBudgetExceeded {
		t.Fatalf("4th action in the window: %v", x)
	}
	if x := take(b, "instance:i-2", t0.Add(4*time.Minute), lim); x != engine.WithinLimits {
		t.Fatalf("another resource: %v", x)
	}
	if x := take(a, "instance:i-1", t0.Add(10*time.Minute), lim); x != engine.WithinLimits {
		t.Fatalf("next window: %v", x)
	}

	// The per-minute cap counts every resource; a full minute gives the loop count back.
	lim.MaxPerMinute = 2
	at := t0.Add(time.Hour)
	for i := range 2 {
		if x := take(a, fmt.Sprint("volume:v-", i), at, lim); x != engine.WithinLimits {
			t.Fatalf("minute take %d: %v", i, x)
		}
	}
	if x := take(b, "volume:v-9", at.Add(30*time.Second), lim); x != engine.MinuteCapExceeded {
		t.Fatalf("3rd action in the minute: %v", x)
	}
	lim.MaxPerMinute = -1
	for i := range 3 {
		if x := take(b, "volume:v-9", at.Add(time.Minute), lim); x != engine.WithinLimits {
			t.Fatalf("v-9 take %d after the capped one was given back: %v", i, x)
		}
	}

	// Many processes at once: exactly the budget goes through.
	lim = engine.Limits{LoopBudget: 3, LoopWindow: 10 * time.Minute, MaxPerMinute: 30}
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for i := range 12 {
		d := []*Dynamo{a, b}[i%2]
		wg.Go(func() {
			if x, err := d.Take(ctx, "instance:i-race", t0.Add(2*time.Hour), lim); err == nil && x == engine.WithinLimits {
				mu.Lock()
				granted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if granted != 3 {
		t.Fatalf("%d concurrent takes granted, want the budget of 3", granted)
	}
}

func TestDynamoMissingTable(t *testing.T) {
	ctx := context.Background()
	d := NewDynamo(awsapi.New().Table("no-such-table"))
	_, err := d.Claim(ctx, "k", "A", t0, time.Minute)
	if !errors.Is(err, awsapi.ErrNoTable) {
		t.Fatalf("claim: %v", err)
	}
	for _, want := range []string{`"no-such-table"`, "in us-east-1", "create-table --table-name no-such-table", "AttributeName=pk,KeyType=HASH", "AttributeName=expires_at"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if _, err := d.Check(ctx); !errors.Is(err, awsapi.ErrNoTable) {
		t.Fatalf("check: %v", err)
	}
	if _, err := d.Take(ctx, "instance:i-1", t0, engine.Limits{LoopBudget: 3, LoopWindow: time.Minute}); !errors.Is(err, awsapi.ErrNoTable) {
		t.Fatalf("take: %v", err)
	}
}

func TestDynamoCheck(t *testing.T) {
	ctx := context.Background()
	a, _, raw := newTable(t)
	if ttl, err := a.Check(ctx); err != nil || !ttl {
		t.Fatalf("check: ttl %v, %v", ttl, err)
	}
	// A table with another key is refused.
	if err := mototest.CreateTable(ctx, raw, &dynamodb.CreateTableInput{
		TableName:            aws.String("wrong-key"),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("wrong-key")}) })
	if _, err := NewDynamo(awsapi.New().Table("wrong-key")).Check(ctx); err == nil || !strings.Contains(err.Error(), `String partition key "pk"`) {
		t.Fatalf("check of a table keyed on id: %v", err)
	}
}
