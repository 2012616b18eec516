package catalog_test

import (
	"fmt"

	"github.com/ec2guard/ec2guard/iam/catalog"
)

func ExampleCatalog_Expand() {
	c, err := catalog.Load()
	if err != nil {
		panic(err)
	}
	for _, a := range c.Expand("ec2:Stop*") {
		fmt.Println(a.FullName(), a.Access)
	}
	// Output:
	// ec2:StopInstances Write
}
