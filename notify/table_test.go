package notify

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/internal/mototest"
)

var (
	_ Items     = (*awsapi.Clients)(nil)
	_ Directory = (*Map)(nil)
	_ Directory = (*Table)(nil)
)

// countingItems counts the reads of the table.
type countingItems struct {
	Items
	calls, keys atomic.Int32
}

func (c *countingItems) OwnerItems(ctx context.Context, region, table, key string, keys []string) (map[string]map[string]any, error) {
	c.calls.Add(1)
	c.keys.Add(int32(len(keys)))
	return c.Items.OwnerItems(ctx, region, table, key, keys)
}

// ownerTables resets moto and returns a function that creates an owner table there, with a
// String partition key "owner" and these items.
func ownerTables(t *testing.T) func(name string, items ...map[string]ddbtypes.AttributeValue) {
	f := mototest.NewFleet(t)
	db := dynamodb.NewFromConfig(f.Cfg)
	return func(name string, items ...map[string]ddbtypes.AttributeValue) {
		t.Helper()
		ownerTable(t, f.Ctx, db, name, items)
	}
}

func ownerTable(t *testing.T, ctx context.Context, db *dynamodb.Client, name string, items []map[string]ddbtypes.AttributeValue) {
	if err := mototest.CreateTable(ctx, db, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("owner"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("owner"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
}

func s(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }

// An owner map in a DynamoDB table, on moto through the real SDK: routed as a file's map
// (principal, then Owner tag, then the fallback item), read in one BatchGetItem per lookup
// and kept for the cache's time, a malformed item an error that says what is wrong.
func TestTableOnMoto(t *testing.T) {
	const topics = "arn:aws:sns:us-east-1:123456789012:team-"
	ownerTable := ownerTables(t)
	ownerTable("owners",
		map[string]ddbtypes.AttributeValue{"owner": s("alice"), "slack": s("https://hooks.slack.com/services/T0/B0/alice")},
		map[string]ddbtypes.AttributeValue{"owner": s("AIDABOB"), "email": s("bob@example.com"), "sns": s(topics + "bob")},
		map[string]ddbtypes.AttributeValue{"owner": s("*"), "webhook": s("https://ops.example.com/hook")},
		map[string]ddbtypes.AttributeValue{"owner": s("carol"), "slack": &ddbtypes.AttributeValueMemberN{Value: "7"}},
		map[string]ddbtypes.AttributeValue{"owner": s("dave"), "sns": s("arn:aws:sns:us-east-1:123456789012:elsewhere")},
		map[string]ddbtypes.AttributeValue{"owner": s("erin"), "webhook": s("http://hooks.example.com/x")},
		map[string]ddbtypes.AttributeValue{"owner": s("frank"), "pager": s("555-0100")},
		map[string]ddbtypes.AttributeValue{"owner": s("gina")},
	)
	items := &countingItems{Items: awsapi.New()}
	spec := TableSpec{Table: "owners", Topics: []string{topics + "*"}, EmailTopic: "arn:aws:sns:us-east-1:123456789012:mail"}
	tab := NewTable(spec, items, Options{})
	now := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
	tab.Now = func() time.Time { return now }
	ctx := context.Background()

	for _, tc := range []struct{ principal, owner, key, want string }{
		{"AIDABOB", "alice", "AIDABOB", "sns " + topics + "bob"}, // the principal comes first
		{"AIDAUNKNOWN", "alice", "alice", "slack"},
		{"", "alice", "alice", "slack"},
		{"AIDAUNKNOWN", "nobody", "", "webhook"}, // the fallback item
		{"", "", "", "webhook"},
		{"AIDABOB", "carol", "AIDABOB", "sns"}, // carol's item is malformed, and not on bob's way
		{"", "carol", "", `item "carol": slack is a number, not a string`},
		{"", "dave", "", "is not among the owner map's topics"},
		{"", "erin", "", "webhook: http://hooks.example.com/… is not https"},
		{"", "frank", "", `unknown attribute "pager"`},
		{"", "gina", "", "no channel"},
	} {
		r, err := tab.Lookup(ctx, tc.principal, tc.owner)
		got := ""
		switch {
		case err != nil:
			got = err.Error()
		case r.To.SNS != "":
			got = "sns " + r.To.SNS
		case r.To.Slack != "":
			got = "slack"
		case r.To.Webhook != "":
			got = "webhook"
		}
		if !strings.Contains(got, tc.want) || err == nil && (r.Key != tc.key || r.EmailTopic != spec.EmailTopic) {
			t.Errorf("Lookup(%q, %q) = %q by %q (%v); want %q by %q", tc.principal, tc.owner, got, r.Key, r.EmailTopic, tc.want, tc.key)
		}
	}

	// Cached: the same owners again read nothing; once the cache's minute has passed, one call.
	calls := items.calls.Load()
	if _, err := tab.Lookup(ctx, "AIDABOB", "alice"); err != nil || items.calls.Load() != calls {
		t.Errorf("a cached lookup: %v, %d calls, want %d", err, items.calls.Load(), calls)
	}
	now = now.Add(DefaultCache)
	if _, err := tab.Lookup(ctx, "AIDABOB", "alice"); err != nil || items.calls.Load() != calls+1 {
		t.Errorf("a lookup after the cache's time: %v, %d calls, want %d", err, items.calls.Load(), calls+1)
	}

	// A table without a fallback item, and one that does not exist.
	ownerTable("nofallback", map[string]ddbtypes.AttributeValue{"owner": s("alice"), "slack": s("https://hooks.slack.com/services/T0/B0/alice")})
	if _, err := NewTable(TableSpec{Table: "nofallback"}, awsapi.New(), Options{}).Lookup(ctx, "AIDAX", "zed"); err == nil || !strings.Contains(err.Error(), `no item for "AIDAX" or "zed" and no fallback item (owner = "*")`) {
		t.Errorf("no fallback: %v", err)
	}
	if _, err := NewTable(TableSpec{Table: "missing"}, awsapi.New(), Options{}).Lookup(ctx, "", "alice"); err == nil || !strings.Contains(err.Error(), "reading owner table missing") {
		t.Errorf("a missing table: %v", err)
	}
}

// More keys than one BatchGetItem takes are read in calls of 100.
func TestOwnerItemsBatches(t *testing.T) {
	var its []map[string]ddbtypes.AttributeValue
	var keys []string
	for i := range 150 {
		k := fmt.Sprint("owner-", i)
		keys = append(keys, k)
		if i%2 == 0 {
			its = append(its, map[string]ddbtypes.AttributeValue{"owner": s(k), "webhook": s("https://hooks.example.com/" + k),
				"n": &ddbtypes.AttributeValueMemberN{Value: "1.5"}, "ok": &ddbtypes.AttributeValueMemberBOOL{Value: true}})
		}
	}
	ownerTables(t)("many", its...)
	got, err := awsapi.New().OwnerItems(context.Background(), "", "many", "owner", keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 75 || got["owner-148"]["webhook"] != "https://hooks.example.com/owner-148" || got["owner-0"]["n"] != 1.5 || got["owner-0"]["ok"] != true || got["owner-1"] != nil {
		t.Errorf("%d items; owner-148 %v, owner-0 %v", len(got), got["owner-148"], got["owner-0"])
	}
}
