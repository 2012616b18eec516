package ledger_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/ledger"
)

// A deployment's processes share one table: the first to claim an action acts, the others
// are told it is held or done.
func ExampleDynamo() {
	ctx, now := context.Background(), time.Now()
	raw, err := mototest.CreateStateTable(ctx, "ec2guard-example") // what a deployment creates: pk (S), TTL on expires_at
	if err != nil {
		panic(err)
	}
	defer raw.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("ec2guard-example")})

	one := ledger.NewDynamo(awsapi.New().Table("ec2guard-example"))   // in one process
	other := ledger.NewDynamo(awsapi.New().Table("ec2guard-example")) // in another

	key := "event-1|restart-protected|0:start|instance:i-0abc"
	st, _ := one.Claim(ctx, key, "process-1", now, time.Minute)
	fmt.Println(st == engine.Claimed)
	st, _ = other.Claim(ctx, key, "process-2", now, time.Minute)
	fmt.Println(st == engine.HeldElsewhere)
	one.MarkDone(ctx, key, "process-1", now, 7*24*time.Hour)
	st, _ = other.Claim(ctx, key, "process-2", now, time.Minute)
	fmt.Println(st == engine.AlreadyDone)

	// The engine takes the table as its ledger and its budget:
	_ = engine.Config{Ledger: one, Budget: one}
	// Output:
	// true
	// true
	// true
}
