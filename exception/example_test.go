package exception_test

import (
	"fmt"
	"time"

	"github.com/ec2guard/ec2guard/exception"
)

func Example() {
	list := []exception.Exception{{Tag: "SPECIAL_EXCEPTION", Reason: "tagged by its owner"}}
	res := exception.Subject{ID: "i-0abc", Tags: map[string]string{"SPECIAL_EXCEPTION": "until=2027-01-31;reason=load test until the release"}}

	fmt.Println(exception.Evaluate(list, res, time.Date(2027, 1, 31, 12, 0, 0, 0, time.UTC)))
	fmt.Println(exception.Evaluate(list, res, time.Date(2027, 2, 1, 12, 0, 0, 0, time.UTC)))
	// Output:
	// exception by tag SPECIAL_EXCEPTION until 2027-02-01T00:00:00Z (load test until the release)
	// exception by tag SPECIAL_EXCEPTION expired 2027-02-01T00:00:00Z (load test until the release)
}
