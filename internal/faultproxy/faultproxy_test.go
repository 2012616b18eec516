package faultproxy

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/ec2guard/ec2guard/internal/mototest"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// clients returns SDK clients through p that try once and wait timeout.
func clients(t *testing.T, p *Proxy, timeout time.Duration) (*ec2.Client, *sns.Client, *sqs.Client) {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithBaseEndpoint(p.URL),
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTimeout(timeout)),
		config.WithRetryMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	return ec2.NewFromConfig(cfg), sns.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// Each fault as the real SDK sees it, in each service's wire format.
func TestFaultsAsTheSDKSeesThem(t *testing.T) {
	ctx := context.Background()
	moto := mototest.Current(t)
	if err := moto.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := Start(moto.Endpoint, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	e, n, q := clients(t, p, 10*time.Second)
	qe, qn, qq := clients(t, p, 500*time.Millisecond) // impatient clients, for Timeout
	calls := func(e *ec2.Client, n *sns.Client, q *sqs.Client) map[string]func() error {
		return map[string]func() error{
			"ec2": func() error { _, err := e.DescribeInstances(ctx, &ec2.DescribeInstancesInput{}); return err },
			"sns": func() error { _, err := n.ListTopics(ctx, &sns.ListTopicsInput{}); return err },
			"sqs": func() error { _, err := q.ListQueues(ctx, &sqs.ListQueuesInput{}); return err },
		}
	}
	call, impatient := calls(e, n, q), calls(qe, qn, qq)
	want := map[Fault]map[string]string{
		Throttle:    {"ec2": "RequestLimitExceeded", "sns": "Throttling", "sqs": "ThrottlingException"},
		ServerError: {"ec2": "InternalError", "sns": "InternalFailure", "sqs": "InternalFailure"},
		Unavailable: {"ec2": "Unavailable", "sns": "ServiceUnavailable", "sqs": "ServiceUnavailable"},
		Denied:      {"ec2": "UnauthorizedOperation", "sns": "AccessDenied", "sqs": "AccessDenied"},
	}
	for svc, do := range call {
		p.SetRules()
		if err := do(); err != nil {
			t.Fatalf("%s without faults: %v", svc, err)
		}
		for fault, codes := range want {
			p.SetRules(Rule{Service: svc, Rate: 1, Faults: []Fault{fault}})
			if err := do(); code(err) != codes[svc] {
				t.Errorf("%s %s: error %v, want code %s", svc, fault, err, codes[svc])
			}
		}
		p.SetRules(Rule{Service: svc, Rate: 1, Faults: []Fault{Reset}})
		if err := do(); err == nil || code(err) != "" {
			t.Errorf("%s reset: %v", svc, err)
		}
		p.SetRules(Rule{Service: svc, Rate: 1, Faults: []Fault{Timeout}, Delay: 2 * time.Second})
		start := time.Now()
		var ne net.Error
		if err := impatient[svc](); !errors.As(err, &ne) || !ne.Timeout() || time.Since(start) > 1500*time.Millisecond {
			t.Errorf("%s timeout: %v after %s", svc, err, time.Since(start))
		}
	}
	if got := p.Injected()["ec2/DescribeInstances/throttle"]; got != 1 {
		t.Errorf("injected %v", p.Injected())
	}
}

// A late answer: the call takes effect, the client times out.
func TestLateAnswerTakesEffect(t *testing.T) {
	ctx := context.Background()
	f := mototest.NewFleet(t)
	id := f.Run(nil, false)
	p, err := Start(mototest.Current(t).Endpoint, 1, Rule{Service: "ec2", Operation: "CreateTags", Rate: 1, Faults: []Fault{LateAnswer}, Delay: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	e, _, _ := clients(t, p, 300*time.Millisecond)
	_, err = e.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err == nil {
		t.Fatal("the client saw the late answer")
	}
	if f.Tags(id)["k"] != "v" {
		t.Fatal("the call did not take effect")
	}
	if c := p.Calls(); len(c) != 1 || c[0].Status != 200 || c[0].Fault != LateAnswer {
		t.Fatalf("%+v", c)
	}
}

// The same seed fails the same requests of each operation, whatever the interleaving.
func TestDeterministic(t *testing.T) {
	ctx := context.Background()
	moto := mototest.Current(t)
	run := func(seed uint64, interleave bool) string {
		p, err := Start(moto.Endpoint, seed, Rule{Rate: 0.4, Faults: []Fault{Throttle, ServerError}})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		e, n, _ := clients(t, p, time.Second)
		var b strings.Builder
		for i := 0; i < 30; i++ {
			_, err := e.DescribeInstances(ctx, &ec2.DescribeInstancesInput{})
			b.WriteString(code(err) + ",")
			if interleave && i%3 == 0 {
				n.ListTopics(ctx, &sns.ListTopicsInput{})
			}
		}
		return b.String()
	}
	a := run(7, false)
	if b := run(7, true); a != b {
		t.Fatalf("seed 7 gave\n%s\nthen\n%s", a, b)
	}
	if c := run(8, false); a == c {
		t.Fatal("seeds 7 and 8 failed the same requests")
	}
	if n := strings.Count(a, "RequestLimitExceeded") + strings.Count(a, "InternalError"); n < 5 || n > 20 {
		t.Fatalf("%d of 30 failed at rate 0.4: %s", n, a)
	}
}

func TestLoopbackOnly(t *testing.T) {
	if _, err := Start("http://192.0.2.1:4566", 1); err == nil {
		t.Fatal("a non-loopback target was accepted")
	}
}
