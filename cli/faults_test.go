package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/internal/faultproxy"
	"github.com/ec2guard/ec2guard/internal/mototest"
)

// TestServeUnderFaults holds serve to PRODUCT §8: no event lost and no action doubled under
// injected faults. About 200 events (protected instances stopped, instances launched, some
// delivered twice, some that can never succeed, some that are not events) go through an SQS
// queue with a dead-letter queue to `ec2guard serve` processes whose every AWS call crosses a
// fault-injecting proxy (throttling, 500s, 503s, resets, timeouts, answers that come after the
// client gave up; on EC2, SNS and SQS). Two consumers are SIGKILLed mid-run; a third, on the
// same ledger, finishes and is stopped with SIGTERM. Then: every event has its decision and
// its effect on moto, no action was applied twice, each notification was published once (or,
// for the one event a consumer was killed on between publishing and recording it, twice: no
// client can tell that publish from one that never left), and exactly the events that cannot
// succeed and the non-events are in the dead-letter queue.
func TestServeUnderFaults(t *testing.T) { serveUnderFaults(t, false) }

// The same with the DynamoDB state table as the ledger (faults on its calls too).
func TestServeUnderFaultsStateTable(t *testing.T) { serveUnderFaults(t, true) }

func serveUnderFaults(t *testing.T, table bool) {
	const protectedN, launchedN, dupN, doomedN, invalidN = 60, 60, 50, 10, 10
	setup := time.Now()
	w := newWorld(t)
	sqsc, snsc := sqs.NewFromConfig(w.Cfg), sns.NewFromConfig(w.Cfg)

	// The fleet, the queues and the managers' inbox, set up on moto directly.
	protected := w.RunMany(protectedN+doomedN, map[string]string{"Protected": "true"})
	if _, err := w.EC2.StopInstances(w.Ctx, &ec2.StopInstancesInput{InstanceIds: protected}); err != nil {
		t.Fatal(err)
	}
	protected, doomed := protected[:protectedN], protected[protectedN:]
	launched := w.RunMany(launchedN, nil)
	dlqURL, dlqARN := newQueue(t, w, "ec2guard-dlq", nil)
	// A redrive count of 4: a killed consumer's batch in hand counts a receive for each of its
	// messages, so after two kills a count of 3 would dead-letter a message on one failure.
	inURL, _ := newQueue(t, w, "ec2guard-events", map[string]string{
		"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"4"}`, dlqARN)})
	inboxURL, inboxARN := newQueue(t, w, "managers", nil)
	if _, err := snsc.Subscribe(w.Ctx, &sns.SubscribeInput{TopicArn: &w.topic, Protocol: aws.String("sqs"), Endpoint: &inboxARN,
		Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}

	// The events, shuffled with their duplicates.
	type msg struct{ id, body string }
	var msgs []msg
	for i, id := range protected {
		msgs = append(msgs, msg{fmt.Sprint("stop-", i), stateChange(fmt.Sprint("stop-", i), id, "stopped")})
	}
	for i, id := range doomed {
		msgs = append(msgs, msg{fmt.Sprint("doomed-", i), stateChange(fmt.Sprint("doomed-", i), id, "stopped")})
	}
	for i, id := range launched {
		identity := fmt.Sprintf(`{"type":"IAMUser","principalId":"AIDA%04d","arn":"arn:aws:iam::123456789012:user/user-%d","accountId":"123456789012","userName":"user-%d"}`, i, i, i)
		msgs = append(msgs, msg{fmt.Sprint("run-", i), w.runInstances(fmt.Sprint("run-", i), id, identity, "")})
	}
	r := rand.New(rand.NewPCG(42, 1))
	for _, i := range r.Perm(protectedN + launchedN)[:dupN] {
		msgs = append(msgs, msgs[map[bool]int{true: i, false: i + doomedN}[i < protectedN]])
	}
	for i := 0; i < invalidN; i++ {
		msgs = append(msgs, msg{"", fmt.Sprintf(`{"not":"an event","n":%d}`, i)})
	}
	r.Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })
	for i := 0; i < len(msgs); i += 10 {
		var batch []sqstypes.SendMessageBatchRequestEntry
		for j, m := range msgs[i:min(i+10, len(msgs))] {
			batch = append(batch, sqstypes.SendMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(j)), MessageBody: aws.String(m.body)})
		}
		if out, err := sqsc.SendMessageBatch(w.Ctx, &sqs.SendMessageBatchInput{QueueUrl: &inURL, Entries: batch}); err != nil || len(out.Failed) > 0 {
			t.Fatalf("sending events: %v %+v", err, out)
		}
	}

	// The faults. The doomed instances can never be started (access denied, which no client
	// retries); everything else fails now and then, reproducibly (seed 42).
	var rules []faultproxy.Rule
	for _, id := range doomed {
		rules = append(rules, faultproxy.Rule{Service: "ec2", Operation: "StartInstances", Match: id, Rate: 1, Faults: []faultproxy.Fault{faultproxy.Denied}})
	}
	common := []faultproxy.Fault{faultproxy.Throttle, faultproxy.Throttle, faultproxy.ServerError, faultproxy.Unavailable, faultproxy.Reset, faultproxy.Reset, faultproxy.Timeout}
	rules = append(rules,
		// Late answers only where a repeated call does no harm (AWS's own idempotent calls).
		faultproxy.Rule{Service: "ec2", Rate: 0.12, Faults: append(common, faultproxy.LateAnswer), Delay: 800 * time.Millisecond},
		faultproxy.Rule{Service: "sns", Rate: 0.15, Faults: common, Delay: 800 * time.Millisecond},
		faultproxy.Rule{Service: "sqs", Operation: "DeleteMessage", Rate: 0.1, Faults: append(common, faultproxy.LateAnswer), Delay: 800 * time.Millisecond},
		faultproxy.Rule{Service: "sqs", Rate: 0.1, Faults: []faultproxy.Fault{faultproxy.Throttle, faultproxy.ServerError, faultproxy.Unavailable, faultproxy.Reset}},
		faultproxy.Rule{Service: "dynamodb", Rate: 0.1, Faults: common, Delay: 800 * time.Millisecond},
	)
	proxy, err := faultproxy.Start(mototest.Current(t).Endpoint, 42, rules...)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()

	ledger := filepath.Join(t.TempDir(), "ledger.db")
	var extra []string
	if table {
		mototest.StateTable(t, "ec2guard-state")
		// A killed consumer's claims in the table outlive it: with --handle-timeout 5s they
		// lapse 35s later, and the messages they hold wait for that instead of being retried
		// into the dead-letter queue.
		ledger, extra = "dynamodb://ec2guard-state", []string{"--handle-timeout", "5s"}
	}
	args := []string{"serve", "-r", filepath.Join("..", "examples", "seeds.yaml"), "--var", "topic=" + w.topic, "--queue", inURL,
		"--state", ledger, "--visibility", "3", "--wait", "1", "--aws-timeout", "600ms", "--aws-max-backoff", "50ms",
		"--max-actions", "-1", "--max-actions-per-minute", "-1", "--loop-budget", "10"}
	args = append(args, extra...)
	var outs []*syncBuffer
	start := func() (*exec.Cmd, *syncBuffer) {
		proxy.NextEpoch()
		var out, errOut syncBuffer
		cmd := ec2guardProcess(t, map[string]string{"AWS_ENDPOINT_URL": proxy.URL}, args...)
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		outs = append(outs, &out)
		return cmd, &out
	}
	t0 := time.Now()
	t.Logf("set up in %s", time.Since(setup))
	deadline := time.Now().Add(90 * time.Second)
	waitFor := func(what string, cond func() bool) {
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; injected %v", what, proxy.Injected())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	// Two consumers killed once they have decided some events, wherever they are then.
	for _, after := range []int{35, 45} {
		cmd, out := start()
		waitFor("decisions", func() bool { return strings.Count(out.String(), "\n") >= after })
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		t.Logf("killed a consumer at %s", time.Since(t0))
	}
	// The third finishes: every message handled or dead-lettered.
	cmd, _ := start()
	waitFor("an empty queue and a full dead-letter queue", func() bool {
		return queueDepth(t, w, inURL) == 0 && queueDepth(t, w, dlqURL) >= doomedN+invalidN
	})
	t.Logf("done at %s", time.Since(t0))
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve on SIGTERM: %v", err)
	}
	injected := proxy.Injected()
	t.Logf("faults injected: %v", injected)
	per := map[string]time.Duration{}
	cnt := map[string]int{}
	for _, c := range proxy.Calls() {
		per[c.Service+"/"+c.Operation] += c.Took
		cnt[c.Service+"/"+c.Operation]++
	}
	for k := range per {
		t.Logf("%s: %d calls, %s", k, cnt[k], per[k])
	}

	// Decisions: every event has them, no action was applied twice.
	applied := map[string]int{}
	decided := map[string]map[engine.Outcome]bool{}
	for _, out := range outs {
		text := out.String()
		text = text[:strings.LastIndexByte(text, '\n')+1] // a killed process may leave half a line
		for _, d := range decisions(t, text) {
			key := d.EventID + "|" + d.Rule + "|" + d.Action + "|" + d.Resource
			if d.Outcome == engine.Applied {
				if applied[key]++; applied[key] > 1 {
					t.Errorf("applied twice: %s", key)
				}
			}
			if decided[d.EventID] == nil {
				decided[d.EventID] = map[engine.Outcome]bool{}
			}
			decided[d.EventID][d.Outcome] = true
		}
	}
	for _, m := range msgs {
		if m.id == "" {
			continue
		}
		o := decided[m.id]
		done := o[engine.Applied] || o[engine.Duplicate] || o[engine.Skipped]
		if strings.HasPrefix(m.id, "doomed-") {
			done = o[engine.Failed]
		}
		if !done {
			t.Errorf("event %s: outcomes %v", m.id, o)
		}
	}

	// Effects on moto.
	for _, id := range protected {
		if s := w.State(id); s != "running" {
			t.Errorf("protected %s is %s", id, s)
		}
	}
	for _, id := range doomed {
		if s := w.State(id); s != "stopped" {
			t.Errorf("doomed %s is %s", id, s)
		}
	}
	for i, id := range launched {
		if tags := w.Tags(id); tags["Owner"] != fmt.Sprint("user-", i) || tags["PrincipalId"] != fmt.Sprintf("AIDA%04d", i) {
			t.Errorf("launched %s has tags %v", id, tags)
		}
	}

	// Notifications: one per stop event. A second is allowed only where no client could have
	// known better: for the event a killed consumer published last (it may have died before
	// recording it), and for a publish that moto answered after the client had given up on
	// it (on a loaded machine moto can be slower than --aws-timeout).
	// The same message published twice by one consumer is the SDK's retry of a publish whose
	// answer the client did not get in time, though the proxy had passed it on (moto slower
	// than --aws-timeout on a loaded machine): one notify's one publish, as far as the
	// consumer could know.
	mayDouble := map[string]bool{}
	lastPublish := map[int]string{}
	published := map[string]int{} // epoch and message
	for _, c := range proxy.Calls() {
		if c.Operation == "Publish" && c.Status == 200 {
			form, _ := url.ParseQuery(c.Body)
			ev := notifiedEvent(t, form.Get("Message"))
			lastPublish[c.Epoch] = ev
			if c.Abandoned {
				mayDouble[ev] = true
			}
			k := fmt.Sprint(c.Epoch, "\x00", form.Get("Message"))
			if published[k]++; published[k] > 1 {
				mayDouble[ev] = true
			}
		}
	}
	for epoch := 1; epoch < len(outs); epoch++ {
		mayDouble[lastPublish[epoch]] = true
	}
	// A killed consumer that started an instance and died before recording the start leaves
	// the redelivery nothing to do: it takes the dead consumer's claim over, and its notify
	// tells that the start may have been done by that attempt. So every stop event is told.
	// An event whose action failed is told as such ("failed" in the JSON body), and the
	// retry that then succeeds is told again: both are expected, once each.
	got, failed := map[string]int{}, map[string]int{}
	for _, body := range drain(t, w, inboxURL) {
		got[notifiedEvent(t, body)]++
		if strings.Contains(body, `"failed":["`) {
			failed[notifiedEvent(t, body)]++
		}
	}
	for _, m := range msgs {
		if m.id == "" || strings.HasPrefix(m.id, "run-") {
			continue
		}
		if n := got[m.id]; n != 1 && !(n == 2 && (mayDouble[m.id] || failed[m.id] == 1)) {
			t.Errorf("event %s notified %d times (%d of them of a failure)", m.id, n, failed[m.id])
		}
	}

	// The dead-letter queue: exactly the doomed events and the non-events, once each.
	dead := map[string]int{}
	for _, body := range drain(t, w, dlqURL) {
		var ev struct{ ID string }
		json.Unmarshal([]byte(body), &ev)
		dead[ev.ID]++
	}
	for id, n := range dead {
		if id != "" && (!strings.HasPrefix(id, "doomed-") || n != 1) {
			t.Errorf("%s in the dead-letter queue %d times", id, n)
		}
	}
	for i := 0; i < doomedN; i++ {
		if dead[fmt.Sprint("doomed-", i)] != 1 {
			t.Errorf("doomed-%d in the dead-letter queue %d times", i, dead[fmt.Sprint("doomed-", i)])
		}
	}
	if dead[""] != invalidN {
		t.Errorf("%d non-events in the dead-letter queue, want %d (%v)", dead[""], invalidN, dead)
	}

	// The faults really were there, on every service.
	for _, want := range []string{"ec2/", "sns/Publish/", "sqs/ReceiveMessage/", "sqs/DeleteMessage/", "/timeout", "/reset", "/throttle", "/late-answer", "/500", "/503"} {
		found := false
		for k := range injected {
			found = found || strings.Contains(k, want)
		}
		if !found {
			t.Errorf("no %s fault injected: %v", want, injected)
		}
	}
}

// newQueue creates an SQS queue on moto and returns its URL and ARN.
func newQueue(t *testing.T, w *world, name string, attrs map[string]string) (string, string) {
	t.Helper()
	c := sqs.NewFromConfig(w.Cfg)
	q, err := c.CreateQueue(w.Ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.GetQueueAttributes(w.Ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	return *q.QueueUrl, a.Attributes["QueueArn"]
}

// queueDepth is how many messages a queue holds, visible or not.
func queueDepth(t *testing.T, w *world, url string) int {
	t.Helper()
	a, err := sqs.NewFromConfig(w.Cfg).GetQueueAttributes(w.Ctx, &sqs.GetQueueAttributesInput{QueueUrl: &url,
		AttributeNames: []sqstypes.QueueAttributeName{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"}})
	if err != nil {
		t.Fatal(err)
	}
	var n, m int
	fmt.Sscan(a.Attributes["ApproximateNumberOfMessages"], &n)
	fmt.Sscan(a.Attributes["ApproximateNumberOfMessagesNotVisible"], &m)
	return n + m
}

// drain receives and deletes every message of a queue and returns their bodies.
func drain(t *testing.T, w *world, url string) []string {
	t.Helper()
	c := sqs.NewFromConfig(w.Cfg)
	var bodies []string
	for {
		out, err := c.ReceiveMessage(w.Ctx, &sqs.ReceiveMessageInput{QueueUrl: &url, MaxNumberOfMessages: 10, VisibilityTimeout: 60})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			return bodies
		}
		for _, m := range out.Messages {
			bodies = append(bodies, *m.Body)
			c.DeleteMessage(w.Ctx, &sqs.DeleteMessageInput{QueueUrl: &url, ReceiptHandle: m.ReceiptHandle})
		}
	}
}

// notifiedEvent is the event id in the JSON body that ends a notify message.
func notifiedEvent(t *testing.T, message string) string {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(message))
	var last string
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			last = sc.Text()
		}
	}
	var body struct {
		EventID string `json:"event_id"`
	}
	if err := json.Unmarshal([]byte(last), &body); err != nil {
		t.Fatalf("notification without a JSON body: %q", message)
	}
	return body.EventID
}

// A connection that hangs is given up on and retried (--aws-timeout), not waited on: before,
// one black-holed call held serve's whole queue.
func TestHungCallIsRetried(t *testing.T) {
	w := newWorld(t)
	id := w.Run(map[string]string{"Protected": "true"}, true)
	proxy, err := faultproxy.Start(mototest.Current(t).Endpoint, 1,
		faultproxy.Rule{Service: "ec2", Operation: "DescribeInstances", Rate: 1, Times: 2, Faults: []faultproxy.Fault{faultproxy.Timeout}, Delay: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	t.Setenv("AWS_ENDPOINT_URL", proxy.URL)
	began := time.Now()
	code, out, errOut := runCLI(t, stateChange("hung-1", id, "stopped"), "handle", "-r", filepath.Join("..", "examples", "seeds.yaml"),
		"--var", "topic="+w.topic, "--no-state", "--aws-timeout", "500ms", "--aws-max-backoff", "10ms")
	if ds := decisions(t, out); code != 0 || len(ds) != 2 || ds[0].Outcome != engine.Applied {
		t.Fatalf("exit %d %+v\n%s", code, ds, errOut)
	}
	if took := time.Since(began); took > 10*time.Second {
		t.Fatalf("took %s", took)
	}
	if n := proxy.Injected()["ec2/DescribeInstances/timeout"]; n != 2 {
		t.Fatalf("%d hung calls, want 2", n)
	}
}
