package mototest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ec2guard/ec2guard/internal/faultproxy"
)

// A CreateTable whose answer is lost is retried by the SDK, and the retry finds the table
// the first attempt made: CreateTable takes it as created when its key is the one asked for,
// and refuses a table of the same name with another key.
func TestCreateTableRetriedAfterALostAnswer(t *testing.T) {
	ctx := context.Background()
	p, err := faultproxy.Start(os.Getenv("AWS_ENDPOINT_URL"), 1, faultproxy.Rule{Service: "dynamodb", Operation: "CreateTable", Rate: 1, Times: 1, Delay: 2 * time.Second, Faults: []faultproxy.Fault{faultproxy.LateAnswer}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(300*time.Millisecond)))
	if err != nil {
		t.Fatal(err)
	}
	cl := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(p.URL) })
	in := func(key string) *dynamodb.CreateTableInput {
		return &dynamodb.CreateTableInput{
			TableName:            aws.String("lost-answer"),
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String(key), AttributeType: ddbtypes.ScalarAttributeTypeS}},
			KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String(key), KeyType: ddbtypes.KeyTypeHash}},
			BillingMode:          ddbtypes.BillingModePayPerRequest,
		}
	}
	if err := CreateTable(ctx, cl, in("pk")); err != nil {
		t.Fatalf("a create whose answer was lost: %v", err)
	}
	t.Cleanup(func() { cl.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("lost-answer")}) })
	if n := len(p.Calls()); n < 2 {
		t.Fatalf("%d calls: the lost answer was not retried", n)
	}
	if err := CreateTable(ctx, cl, in("id")); err == nil || !strings.Contains(err.Error(), "exists with another key") {
		t.Errorf("a table of the same name with another key: %v", err)
	}
}
