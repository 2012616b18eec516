package awsapi

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The state table's schema. The key and TTL attribute are what a deployment creates (and
// what ErrNoTable tells a user to create); the others are written and read here only.
const (
	TableKey  = "pk"         // partition key, String
	TableTTL  = "expires_at" // DynamoDB TTL attribute, Number, epoch seconds
	attrState = "st"
	attrOwner = "owner"
	attrCount = "n"
)

// ErrNoTable is returned when the state table does not exist.
var ErrNoTable = errors.New("DynamoDB table not found")

// Table is ec2guard's state table in DynamoDB, shared by every process of a deployment:
// items keyed by pk (String), each expiring at expires_at (epoch seconds; the table's TTL
// attribute). DynamoDB deletes expired items lazily, up to days late, so every read and
// every condition here treats an item whose expires_at has passed as absent.
type Table struct {
	c    *Clients
	name string
}

// Table returns the state table name; nothing is called until it is used.
func (c *Clients) Table(name string) *Table { return &Table{c: c, name: name} }

// Name is the table's name.
func (t *Table) Name() string { return t.name }

// Record is one item of the state table.
type Record struct {
	Key       string
	State     string
	Owner     string
	ExpiresAt time.Time // kept to the second
}

func (c *Clients) dynamoClient(ctx context.Context) (*dynamodb.Client, error) {
	cfg, err := c.config(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ddb == nil {
		c.ddb = dynamodb.NewFromConfig(cfg)
	}
	return c.ddb, nil
}

// fail wraps an error of a call on the table; a missing table says how to create it.
func (t *Table) fail(ctx context.Context, doing string, err error) error {
	var rnf *ddbtypes.ResourceNotFoundException
	if errors.As(err, &rnf) {
		region := ""
		if cl, cerr := t.c.dynamoClient(ctx); cerr == nil {
			region = " in " + cl.Options().Region
		}
		return fmt.Errorf("%w: %q%s; create it with a String partition key %q and TTL on %q: "+
			"aws dynamodb create-table --table-name %s --attribute-definitions AttributeName=%s,AttributeType=S "+
			"--key-schema AttributeName=%s,KeyType=HASH --billing-mode PAY_PER_REQUEST && "+
			"aws dynamodb update-time-to-live --table-name %s --time-to-live-specification Enabled=true,AttributeName=%s",
			ErrNoTable, t.name, region, TableKey, TableTTL, t.name, TableKey, TableKey, t.name, TableTTL)
	}
	return fmt.Errorf("%s in DynamoDB table %s: %w", doing, t.name, err)
}

// Check verifies that the table exists with pk as its String partition key. ttl reports
// whether TTL is enabled on expires_at (without it expired items are ignored but pile up).
func (t *Table) Check(ctx context.Context) (ttl bool, err error) {
	cl, err := t.c.dynamoClient(ctx)
	if err != nil {
		return false, err
	}
	out, err := cl.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &t.name})
	if err != nil {
		return false, t.fail(ctx, "describing the table", err)
	}
	hashOK := false
	for _, k := range out.Table.KeySchema {
		if k.KeyType == ddbtypes.KeyTypeHash && aws.ToString(k.AttributeName) == TableKey && len(out.Table.KeySchema) == 1 {
			hashOK = true
		}
	}
	for _, a := range out.Table.AttributeDefinitions {
		if aws.ToString(a.AttributeName) == TableKey && a.AttributeType != ddbtypes.ScalarAttributeTypeS {
			hashOK = false
		}
	}
	if !hashOK {
		return false, fmt.Errorf("DynamoDB table %s: its key must be a String partition key %q and nothing else", t.name, TableKey)
	}
	ttlOut, err := cl.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &t.name})
	if err != nil {
		return false, t.fail(ctx, "describing the table's TTL", err)
	}
	d := ttlOut.TimeToLiveDescription
	ttl = d != nil && aws.ToString(d.AttributeName) == TableTTL &&
		(d.TimeToLiveStatus == ddbtypes.TimeToLiveStatusEnabled || d.TimeToLiveStatus == ddbtypes.TimeToLiveStatusEnabling)
	return ttl, nil
}

func str(s string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: s} }

func num(n int64) ddbtypes.AttributeValue {
	return &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func (r Record) item() map[string]ddbtypes.AttributeValue {
	return map[string]ddbtypes.AttributeValue{
		TableKey: str(r.Key), attrState: str(r.State), attrOwner: str(r.Owner), TableTTL: num(r.ExpiresAt.Unix()),
	}
}

func record(item map[string]ddbtypes.AttributeValue) Record {
	var r Record
	if v, ok := item[TableKey].(*ddbtypes.AttributeValueMemberS); ok {
		r.Key = v.Value
	}
	if v, ok := item[attrState].(*ddbtypes.AttributeValueMemberS); ok {
		r.State = v.Value
	}
	if v, ok := item[attrOwner].(*ddbtypes.AttributeValueMemberS); ok {
		r.Owner = v.Value
	}
	if v, ok := item[TableTTL].(*ddbtypes.AttributeValueMemberN); ok {
		if n, err := strconv.ParseInt(v.Value, 10, 64); err == nil {
			r.ExpiresAt = time.Unix(n, 0)
		}
	}
	return r
}

// live reports whether an item expiring at exp is still there at now (to the second, as
// DynamoDB's TTL counts).
func live(exp, now time.Time) bool { return exp.Unix() > now.Unix() }

// Get reads key with a strongly consistent read; ok is false when there is no live item.
func (t *Table) Get(ctx context.Context, key string, now time.Time) (r Record, ok bool, err error) {
	cl, err := t.c.dynamoClient(ctx)
	if err != nil {
		return Record{}, false, err
	}
	out, err := cl.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &t.name, ConsistentRead: aws.Bool(true),
		Key: map[string]ddbtypes.AttributeValue{TableKey: str(key)},
	})
	if err != nil {
		return Record{}, false, t.fail(ctx, "reading "+key, err)
	}
	if out.Item == nil {
		return Record{}, false, nil
	}
	r = record(out.Item)
	return r, live(r.ExpiresAt, now), nil
}

// PutUnlessLive writes r unless a live item (one whose expires_at is after now) has its
// key: then it writes nothing and returns that item. Written, it returns the expired item it
// replaced (the zero Record where there was none): a lapsed claim says an earlier holder
// died holding it. The check and the write are one conditional PutItem, so of two processes
// racing for a key exactly one writes.
func (t *Table) PutUnlessLive(ctx context.Context, r Record, now time.Time) (written bool, current Record, err error) {
	cl, err := t.c.dynamoClient(ctx)
	if err != nil {
		return false, Record{}, err
	}
	out, err := cl.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &t.name, Item: r.item(),
		ConditionExpression:                 aws.String("attribute_not_exists(#pk) OR #exp <= :now"),
		ExpressionAttributeNames:            map[string]string{"#pk": TableKey, "#exp": TableTTL},
		ExpressionAttributeValues:           map[string]ddbtypes.AttributeValue{":now": num(now.Unix())},
		ReturnValues:                        ddbtypes.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *ddbtypes.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, record(ccf.Item), nil
	}
	if err != nil {
		return false, Record{}, t.fail(ctx, "writing "+r.Key, err)
	}
	if len(out.Attributes) == 0 {
		return true, Record{}, nil
	}
	return true, record(out.Attributes), nil
}

// Put writes r, whatever was there.
func (t *Table) Put(ctx context.Context, r Record) error {
	cl, err := t.c.dynamoClient(ctx)
	if err != nil {
		return err
	}
	if _, err := cl.PutItem(ctx, &dynamodb.PutItemInput{TableName: &t.name, Item: r.item()}); err != nil {
		return t.fail(ctx, "writing "+r.Key, err)
	}
	return nil
}

// DeleteIf deletes key if its item still has this state and owner; otherwise (someone
// else's now, or gone) it leaves it and succeeds.
func (t *Table) DeleteIf(ctx context.Context, key, state, owner string) error {
	cl, err := t.c.dynamoClient(ctx)
	if err != nil {
		return err
	}
	_, err = cl.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &t.name, Key: map[string]ddbtypes.AttributeValue{TableKey: str(key)},
		ConditionExpression:       aws.String("#st = :st AND #owner = :owner"),
		ExpressionAttributeNames:  map[string]string{"#st": attrState, "#owner": attrOwner},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":st": str(state), ":owner": str(owner)},
	})
	var ccf *ddbtypes.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return t.fail(ctx, "deleting "+key, err)
	}
	return nil
}

// CountUp adds one to the counter key if it is below limit, in one conditional UpdateItem
// (atomic however many processes count at once), and keeps the item until expiresAt. ok is
// false, and nothing is counted, when the counter is at limit already.
func (t *Table) CountUp(ctx context.Context, key string, limit int, expiresAt time.Time) (ok bool, err error) {
	if limit <= 0 {
		return false, nil // the condition below would let the first one through
	}
	cl, err := t.c.dynamoClient(ctx)
	if err != nil {
		return false, err
	}
	_, err = cl.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &t.name, Key: map[string]ddbtypes.AttributeValue{TableKey: str(key)},
		UpdateExpression:          aws.String("ADD #n :one SET #exp = :exp"),
		ConditionExpression:       aws.String("attribute_not_exists(#n) OR #n < :max"),
		ExpressionAttributeNames:  map[string]string{"#n": attrCount, "#exp": TableTTL},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":one": num(1), ":max": num(int64(limit)), ":exp": num(expiresAt.Unix())},
	})
	var ccf *ddbtypes.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return false, nil
	}
	if err != nil {
		return false, t.fail(ctx, "counting "+key, err)
	}
	return true, nil
}

// CountDown takes back one that CountUp counted.
func (t *Table) CountDown(ctx context.Context, key string) error {
	cl, err := t.c.dynamoClient(ctx)
	if err != nil {
		return err
	}
	_, err = cl.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &t.name, Key: map[string]ddbtypes.AttributeValue{TableKey: str(key)},
		UpdateExpression:          aws.String("ADD #n :minus"),
		ConditionExpression:       aws.String("attribute_exists(#n)"),
		ExpressionAttributeNames:  map[string]string{"#n": attrCount},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":minus": num(-1)},
	})
	var ccf *ddbtypes.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return t.fail(ctx, "uncounting "+key, err)
	}
	return nil
}
