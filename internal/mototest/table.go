package mototest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CreateTable creates a table as in asks. When the server answers that the table exists and
// it has the key in asks for, the table is taken as created: the SDK retries a CreateTable
// whose answer it could not read (a connection the loaded server dropped, a checksum it could
// not verify), and the retry then finds the table its first attempt made. A table of the same
// name with another key is an error.
func CreateTable(ctx context.Context, cl *dynamodb.Client, in *dynamodb.CreateTableInput) error {
	_, err := cl.CreateTable(ctx, in)
	var inUse *ddbtypes.ResourceInUseException
	if !errors.As(err, &inUse) {
		return err
	}
	out, derr := cl.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: in.TableName})
	if derr != nil {
		return errors.Join(err, derr)
	}
	same := func(a, b ddbtypes.KeySchemaElement) bool {
		return aws.ToString(a.AttributeName) == aws.ToString(b.AttributeName) && a.KeyType == b.KeyType
	}
	if !slices.EqualFunc(out.Table.KeySchema, in.KeySchema, same) {
		return fmt.Errorf("table %s exists with another key: %w", aws.ToString(in.TableName), err)
	}
	return nil
}

// StateTable creates ec2guard's state table on the server as a deployment does (see
// CreateStateTable) and deletes it when the test ends.
func StateTable(tb testing.TB, name string) *dynamodb.Client {
	tb.Helper()
	cl, err := CreateStateTable(context.Background(), name)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cl.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)}) })
	return cl
}

// CreateStateTable creates ec2guard's state table — a String partition key pk and TTL on
// expires_at — and returns a client to read it back.
func CreateStateTable(ctx context.Context, name string) (*dynamodb.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	cl := dynamodb.NewFromConfig(cfg)
	if err := CreateTable(ctx, cl, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	}); err != nil {
		return nil, err
	}
	if _, err := cl.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(name),
		TimeToLiveSpecification: &ddbtypes.TimeToLiveSpecification{AttributeName: aws.String("expires_at"), Enabled: aws.Bool(true)},
	}); err != nil {
		return nil, err
	}
	return cl, nil
}

// OwnerTable creates an owner table (package notify's Table) on the server — a String
// partition key "owner" — with these items, their attributes Strings, and deletes it when the
// test ends.
func OwnerTable(tb testing.TB, name string, items ...map[string]string) {
	tb.Helper()
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	cl := dynamodb.NewFromConfig(cfg)
	if err := CreateTable(ctx, cl, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("owner"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("owner"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	}); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cl.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)}) })
	for _, it := range items {
		item := map[string]ddbtypes.AttributeValue{}
		for k, v := range it {
			item[k] = &ddbtypes.AttributeValueMemberS{Value: v}
		}
		if _, err := cl.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: item}); err != nil {
			tb.Fatal(err)
		}
	}
}
