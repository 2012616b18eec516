package awsapi_test

import (
	"context"
	"os"
	"testing"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/internal/faultproxy"
	"github.com/ec2guard/ec2guard/internal/mototest"

	"github.com/ec2guard/ec2guard/resource"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// AWS_MAX_ATTEMPTS decides how often a failing call is tried (default 5).
func TestMaxAttempts(t *testing.T) {
	p, err := faultproxy.Start(os.Getenv("AWS_ENDPOINT_URL"), 1, faultproxy.Rule{Service: "ec2", Operation: "DescribeInstances", Rate: 1, Faults: []faultproxy.Fault{faultproxy.ServerError}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	t.Setenv("AWS_ENDPOINT_URL", p.URL)
	for _, c := range []struct {
		env  string
		want int
	}{{"", 5}, {"2", 2}, {"1", 1}} {
		t.Setenv("AWS_MAX_ATTEMPTS", c.env)
		p.SetRules(faultproxy.Rule{Service: "ec2", Operation: "DescribeInstances", Rate: 1, Faults: []faultproxy.Fault{faultproxy.ServerError}})
		before := len(p.Calls())
		cl := awsapi.New()
		cl.MaxBackoff = 1 // a nanosecond: no waiting between attempts
		if _, err := cl.DescribeInstance(context.Background(), resource.Place{Region: "us-east-1"}, "i-0123456789abcdef0"); err == nil {
			t.Fatalf("AWS_MAX_ATTEMPTS=%q: the failing call succeeded", c.env)
		}
		if got := len(p.Calls()) - before; got != c.want {
			t.Errorf("AWS_MAX_ATTEMPTS=%q: %d attempts, want %d", c.env, got, c.want)
		}
	}
}
