package awsapi

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// batchGetMax is the most keys one BatchGetItem takes.
const batchGetMax = 100

// OwnerItems reads the items of an owner table (package notify's Table) whose String
// partition key keyAttr is one of keys, with BatchGetItem (100 keys a call; the keys DynamoDB
// leaves unprocessed, under throttling, are asked again). It returns the items found by key,
// each attribute as a Go value: a String a string, a Number its text's float64 (or the text),
// a Boolean a bool, a Null nil, a List []any, a Map map[string]any, a set []string (a binary
// set's as its bytes' text), a Binary []byte. region "" is the clients' own.
func (c *Clients) OwnerItems(ctx context.Context, region, table, keyAttr string, keys []string) (map[string]map[string]any, error) {
	cl, err := c.dynamoClient(ctx)
	if err != nil {
		return nil, err
	}
	opt := func(o *dynamodb.Options) {
		if region != "" {
			o.Region = region
		}
	}
	out := map[string]map[string]any{}
	for start := 0; start < len(keys); start += batchGetMax {
		req := ddbtypes.KeysAndAttributes{}
		for _, k := range keys[start:min(len(keys), start+batchGetMax)] {
			req.Keys = append(req.Keys, map[string]ddbtypes.AttributeValue{keyAttr: str(k)})
		}
		pending := map[string]ddbtypes.KeysAndAttributes{table: req}
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt > 0 {
				if attempt == 6 {
					return nil, fmt.Errorf("reading owner table %s: DynamoDB left %d keys unprocessed after %d attempts", table, len(pending[table].Keys), attempt)
				}
				select {
				case <-ctx.Done():
					return nil, ctx.Err()
				case <-time.After(time.Duration(50<<attempt) * time.Millisecond):
				}
			}
			res, err := cl.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending}, opt)
			if err != nil {
				return nil, fmt.Errorf("BatchGetItem on owner table %s: %w", table, err)
			}
			for _, item := range res.Responses[table] {
				k, ok := item[keyAttr].(*ddbtypes.AttributeValueMemberS)
				if !ok {
					continue // not an item of a String key: not one asked for
				}
				out[k.Value] = attributes(item)
			}
			pending = res.UnprocessedKeys
		}
	}
	return out, nil
}

// attributes is an item as Go values (see OwnerItems).
func attributes(item map[string]ddbtypes.AttributeValue) map[string]any {
	m := make(map[string]any, len(item))
	for k, v := range item {
		m[k] = attribute(v)
	}
	return m
}

func attribute(v ddbtypes.AttributeValue) any {
	switch v := v.(type) {
	case *ddbtypes.AttributeValueMemberS:
		return v.Value
	case *ddbtypes.AttributeValueMemberN:
		if f, err := strconv.ParseFloat(v.Value, 64); err == nil {
			return f
		}
		return v.Value
	case *ddbtypes.AttributeValueMemberBOOL:
		return v.Value
	case *ddbtypes.AttributeValueMemberNULL:
		return nil
	case *ddbtypes.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = attribute(e)
		}
		return l
	case *ddbtypes.AttributeValueMemberM:
		return attributes(v.Value)
	case *ddbtypes.AttributeValueMemberSS:
		return v.Value
	case *ddbtypes.AttributeValueMemberNS:
		return v.Value
	case *ddbtypes.AttributeValueMemberBS:
		s := make([]string, len(v.Value))
		for i, b := range v.Value {
			s[i] = string(b)
		}
		return s
	case *ddbtypes.AttributeValueMemberB:
		return v.Value
	}
	return nil
}
