package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/ec2guard/ec2guard/awsapi"
	"github.com/ec2guard/ec2guard/engine"
	"github.com/ec2guard/ec2guard/event"
	"github.com/ec2guard/ec2guard/internal/faultproxy"
	"github.com/ec2guard/ec2guard/internal/mototest"
	"github.com/ec2guard/ec2guard/source"
)

// The Lambda handler with the real engine and actions, called the way the runtime calls it,
// against moto.
func TestLambdaHandlerOnMoto(t *testing.T) {
	w := newWorld(t)
	id := w.Run(map[string]string{"Protected": "true"}, true)
	f := engineFlags{ruleFlags: ruleFlags{file: filepath.Join("..", "examples", "seeds.yaml"), vars: []string{"topic=" + w.topic}},
		noState: true, detectSelf: true, maxPerRun: -1, maxPerMinute: 30, loopBudget: 3}
	eng, closeFn, err := f.build(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	var log bytes.Buffer
	handler := source.LambdaHandler(eng, &log)
	res, err := handler(context.Background(), json.RawMessage(stateChange("lambda-1", id, "stopped")))
	if err != nil {
		t.Fatalf("invocation failed: %v", err)
	}
	if len(res.Decisions) != 2 || res.Decisions[0].Outcome != engine.Applied || res.Decisions[1].Action != "notify" {
		t.Fatalf("%+v", res.Decisions)
	}
	if w.State(id) != "running" {
		t.Fatalf("instance is %s", w.State(id))
	}
	if n := len(decisions(t, log.String())); n != 2 {
		t.Fatalf("%d decision records in the function log, want 2", n)
	}
}

// runtimeAPI is a loopback stand-in for the Lambda Runtime API (the documented
// /2018-06-01/runtime/invocation/next, /{id}/response and /{id}/error endpoints): it hands
// the function one invocation at a time and collects what comes back.
type runtimeAPI struct {
	*httptest.Server
	next    chan [2]string // request id, payload
	results chan runtimeResult
}

type runtimeResult struct {
	id, kind string // kind: response, error or init/error
	body     []byte
}

func newRuntimeAPI(t *testing.T) *runtimeAPI {
	api := &runtimeAPI{next: make(chan [2]string), results: make(chan runtimeResult, 16)}
	const base = "/2018-06-01/runtime/"
	api.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimPrefix(r.URL.Path, base)
		switch {
		case r.Method == http.MethodGet && path == "invocation/next":
			select {
			case inv := <-api.next:
				w.Header().Set("Lambda-Runtime-Aws-Request-Id", inv[0])
				w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(30*time.Second).UnixMilli()))
				w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:ec2guard")
				w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
				io.WriteString(w, inv[1])
			case <-r.Context().Done():
			}
		case r.Method == http.MethodPost && strings.HasPrefix(path, "invocation/"):
			id, kind, _ := strings.Cut(strings.TrimPrefix(path, "invocation/"), "/")
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(http.StatusAccepted)
			api.results <- runtimeResult{id: id, kind: kind, body: body}
		case r.Method == http.MethodPost && path == "init/error":
			body, _ := io.ReadAll(r.Body)
			w.WriteHeader(http.StatusAccepted)
			api.results <- runtimeResult{kind: "init/error", body: body}
		default:
			t.Errorf("runtime API: unexpected %s %s", r.Method, r.URL.Path)
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(api.Close)
	return api
}

// invoke hands the function one event and returns what it answered.
func (api *runtimeAPI) invoke(t *testing.T, id, payload string) runtimeResult {
	t.Helper()
	select {
	case api.next <- [2]string{id, payload}:
	case res := <-api.results:
		t.Fatalf("before invocation %s: %s %s", id, res.kind, res.body)
	case <-time.After(20 * time.Second):
		t.Fatalf("the function never asked for invocation %s", id)
	}
	select {
	case res := <-api.results:
		if res.id != id {
			t.Fatalf("answer for %q (%s %s), want one for %s", res.id, res.kind, res.body, id)
		}
		return res
	case <-time.After(20 * time.Second):
		t.Fatalf("no answer to invocation %s", id)
	}
	return runtimeResult{}
}

// The real command as Lambda runs it: no arguments, AWS_LAMBDA_RUNTIME_API set, the rules
// named by the environment, EventBridge events from the Runtime API. A successful event is
// answered on /response with its decisions; a failed action on /error, so EventBridge
// retries; an invalid event on /response (retrying cannot fix it). Effects read on moto,
// with the failing start injected by the fault proxy (access denied).
func TestLambdaThroughRuntimeAPI(t *testing.T) {
	w := newWorld(t)
	restart := w.Run(map[string]string{"Protected": "true"}, true)
	denied := w.Run(map[string]string{"Protected": "true"}, true)
	launched := w.Run(nil, false)
	proxy, err := faultproxy.Start(mototest.Current(t).Endpoint, 1,
		faultproxy.Rule{Service: "ec2", Operation: "StartInstances", Match: denied, Rate: 1, Faults: []faultproxy.Fault{faultproxy.Denied}})
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	api := newRuntimeAPI(t)
	rulesFile, _ := filepath.Abs(filepath.Join("..", "examples", "seeds.yaml"))
	var log, errLog syncBuffer
	cmd := ec2guardProcess(t, map[string]string{
		"AWS_LAMBDA_RUNTIME_API": api.Listener.Addr().String(), "AWS_ENDPOINT_URL": proxy.URL,
		"EC2GUARD_RULES": rulesFile, "EC2GUARD_VAR_topic": w.topic,
		"AWS_LAMBDA_FUNCTION_NAME": "ec2guard", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
	})
	cmd.Stdout, cmd.Stderr = &log, &errLog
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()

	outcomes := func(res runtimeResult) string {
		t.Helper()
		var out source.LambdaResult
		if err := json.Unmarshal(res.body, &out); err != nil {
			t.Fatalf("%s: %s: %v", res.kind, res.body, err)
		}
		var s []string
		for _, d := range out.Decisions {
			s = append(s, d.Action+"="+string(d.Outcome))
		}
		return strings.Join(s, ",")
	}
	if res := api.invoke(t, "req-1", stateChange("lambda-stop", restart, "stopped")); res.kind != "response" || outcomes(res) != "start=applied,notify=applied" {
		t.Fatalf("req-1: %s %s\n%s", res.kind, res.body, errLog.String())
	}
	res := api.invoke(t, "req-2", stateChange("lambda-denied", denied, "stopped"))
	var invErr struct{ ErrorMessage, ErrorType string }
	if json.Unmarshal(res.body, &invErr); res.kind != "error" || !strings.Contains(invErr.ErrorMessage, "UnauthorizedOperation") {
		t.Fatalf("req-2: %s %s", res.kind, res.body)
	}
	if res := api.invoke(t, "req-3", `{"hello":1}`); res.kind != "response" || outcomes(res) != "=rejected" {
		t.Fatalf("req-3: %s %s", res.kind, res.body)
	}
	identity := `{"type":"AssumedRole","principalId":"AROAEXAMPLE:alice","arn":"arn:aws:sts::123456789012:assumed-role/Dev/alice","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::123456789012:role/Dev","userName":"Dev"}}}`
	if res := api.invoke(t, "req-4", w.runInstances("lambda-run", launched, identity, "")); res.kind != "response" || outcomes(res) != "tag=applied" {
		t.Fatalf("req-4: %s %s", res.kind, res.body)
	}

	if w.State(restart) != "running" || w.State(denied) != "stopped" {
		t.Fatalf("restart %s, denied %s", w.State(restart), w.State(denied))
	}
	if tags := w.Tags(launched); tags["Owner"] != "alice" || tags["PrincipalId"] != "AROAEXAMPLE:alice" {
		t.Fatalf("tags %v", tags)
	}
	// The function's log holds every decision record (copied from its stdout as it comes).
	for end := time.Now().Add(2 * time.Second); strings.Count(log.String(), `"event_id":`) < 6 && time.Now().Before(end); {
		time.Sleep(20 * time.Millisecond)
	}
	if n := strings.Count(log.String(), `"event_id":`); n != 6 {
		t.Fatalf("%d decision records in the function log, want 6:\n%s", n, log.String())
	}
}

// A Scheduled Event makes the function scan its region: the protected instance stopped before
// any event could tell is started; other events still go to the rules.
func TestLambdaScheduledScanOnMoto(t *testing.T) {
	w := newWorld(t)
	stopped := w.Run(map[string]string{"Protected": "true"}, true)
	f := engineFlags{ruleFlags: ruleFlags{file: filepath.Join("..", "examples", "seeds.yaml"), vars: []string{"topic=" + w.topic}},
		noState: true, maxPerRun: -1, maxPerMinute: 30, loopBudget: 3}
	eng, closeFn, err := f.build(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	var log bytes.Buffer
	handler := source.Lambda(eng, &log, &source.Scanner{Lister: awsapi.New(), Engine: eng})
	scheduled := `{"version":"0","id":"sched-1","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-11-22T10:00:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/scan"],"detail":{}}`
	res, err := handler(context.Background(), json.RawMessage(scheduled))
	if err != nil || len(res.Decisions) != 0 {
		t.Fatalf("scan invocation: %+v %v", res, err)
	}
	if s := w.State(stopped); s != "running" && s != "pending" {
		t.Fatalf("the scan left the protected instance %s\n%s", s, log.String())
	}
	var applied bool
	for _, d := range decisions(t, log.String()) {
		applied = applied || (d.Resource == stopped && d.Action == "start" && d.Outcome == engine.Applied && strings.HasPrefix(d.EventID, "scan-"))
	}
	if !applied {
		t.Fatalf("no applied start in the log:\n%s", log.String())
	}
	// Any other event still goes to the rules.
	w.Stop(stopped)
	if res, err := handler(context.Background(), json.RawMessage(stateChange("e-after", stopped, "stopped"))); err != nil || len(res.Decisions) == 0 || res.Decisions[0].Outcome != engine.Applied {
		t.Fatalf("event after the scan: %+v %v", res, err)
	}
}

// The fanned-out scan's environment: regions, accounts or the Organization, the cap.
func TestScanFanOutEnv(t *testing.T) {
	t.Setenv("EC2GUARD_SCAN_QUEUE", "https://sqs.us-east-1.amazonaws.com/123456789012/parts")
	t.Setenv("EC2GUARD_SCAN_REGIONS", "us-east-1, eu-west-1,")
	t.Setenv("EC2GUARD_SCAN_ACCOUNTS", "111111111111,222222222222")
	t.Setenv("EC2GUARD_SCAN_MAX_ACTIONS", "7")
	e, err := scanFanOutEnv()
	if err != nil || e.maxActions != 7 || fmt.Sprint(e.regions) != "[us-east-1 eu-west-1]" {
		t.Fatalf("%+v %v", e, err)
	}
	fan := e.fanOut(awsapi.New(), nil, nil, nil)
	if ids, err := fan.Accounts(context.Background()); err != nil || fmt.Sprint(ids) != "[111111111111 222222222222]" || fan.URL != e.queue {
		t.Errorf("accounts %v %v", ids, err)
	}
	t.Setenv("EC2GUARD_SCAN_ACCOUNTS", "Organization")
	if e, _ = scanFanOutEnv(); e.fanOut(awsapi.New(), nil, nil, nil).Accounts == nil {
		t.Error("organization: no accounts function")
	}
	for _, bad := range []string{"0", "-2", "many"} {
		t.Setenv("EC2GUARD_SCAN_MAX_ACTIONS", bad)
		if _, err := scanFanOutEnv(); err == nil {
			t.Errorf("EC2GUARD_SCAN_MAX_ACTIONS=%s accepted", bad)
		}
	}
	t.Setenv("EC2GUARD_SCAN_MAX_ACTIONS", "")
	t.Setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:1")
	t.Setenv("EC2GUARD_TABLE", "")
	if code, _, errOut := runCLI(t, "", "lambda"); code != ExitUsage || !strings.Contains(errOut, "EC2GUARD_SCAN_QUEUE needs EC2GUARD_TABLE") {
		t.Errorf("a queue without a table: exit %d: %s", code, errOut)
	}
}

// EC2GUARD_TO_SECURITYHUB sends the findings of the rule file's `- control:` entries, each
// compiled with the entry's parameters; a rule file without one is refused.
func TestControlChecksOfRuleFile(t *testing.T) {
	dir := t.TempDir()
	f := ruleFlags{file: writeFile(t, dir, "c.yaml", "rules:\n  - control: EC2.8\n  - control: EC2.13\n  - control: EC2.8\n    name: again\n")}
	set, err := f.load()
	if err != nil {
		t.Fatal(err)
	}
	checks, err := controlChecks(set)
	if err != nil || len(checks) != 2 || checks[0].SecurityHub != "EC2.8" || checks[1].SecurityHub != "EC2.13" {
		t.Fatalf("%d checks, %v", len(checks), err)
	}
	plain := ruleFlags{file: writeFile(t, dir, "r.yaml", restartProtected)}
	if set, err = plain.load(); err != nil {
		t.Fatal(err)
	}
	if _, err := controlChecks(set); err == nil {
		t.Error("a rule file without a control entry: findings of nothing")
	}
	t.Setenv("EC2GUARD_SCAN_QUEUE", "")
	t.Setenv("EC2GUARD_TO_SECURITYHUB", "true")
	if _, err := scanFanOutEnv(); err == nil {
		t.Error("EC2GUARD_TO_SECURITYHUB without a fanned-out scan")
	}
}

// restartProtectedRule starts a protected instance that stopped: a rule on events, with no
// time in it, which a timer does not apply.
const restartProtectedRule = `  - name: restart-protected
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    filters: [{tag: Protected, equals: "true"}]
    actions: [start]
    mode: enforce
`

// The timer's Scheduled Event (its detail {"ec2guard":"timer"}) scans the region by the
// time-driven rules alone: the instance stopped for two days is reported, the protected one
// that a rule on stop events restarts is left to its events (and to the scan schedule, whose
// Scheduled Event starts it). Neither a retried tick nor the next acts again on the same
// stop: the instance is reported again once it has been started and stopped for a day more.
func TestLambdaTimerOnMoto(t *testing.T) {
	w := newWorld(t)
	setClockAhead(t, 48*time.Hour)
	protected, idle := w.Run(map[string]string{"Protected": "true"}, true), w.Run(nil, true)
	file := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(file, []byte("rules:\n"+restartProtectedRule+`  - name: stopped-a-day
    pattern: {source: [aws.ec2], detail-type: [EC2 Instance State-change Notification], detail: {state: [stopped]}}
    resources: [instance]
    filters: [{stopped-for: 1d}, {tag: Protected, absent: true}]
    actions:
      - notify: {topic: "${var:topic}", subject: "{{.ResourceID}} stopped for a day"}
    mode: enforce
`), 0o644); err != nil {
		t.Fatal(err)
	}
	f := engineFlags{ruleFlags: ruleFlags{file: file, vars: []string{"topic=" + w.topic}}, noState: true, maxPerRun: -1, maxPerMinute: 30, loopBudget: 3}
	eng, closeFn, err := f.build(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	var log bytes.Buffer
	lister := awsapi.New()
	handler := source.LambdaScheduled(eng, &log, source.Scheduled{
		Scan:  &source.Scanner{Lister: lister, Engine: eng},
		Timer: &source.Scanner{Lister: lister, Engine: eng.Timer()},
	})
	at := "2026-11-22T10:00:00Z"
	tick := func(detail string) []engine.Decision {
		t.Helper()
		log.Reset()
		ev := `{"version":"0","id":"tick-1","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"` + at + `","region":"us-east-1","resources":[],"detail":` + detail + `}`
		if res, err := handler(context.Background(), json.RawMessage(ev)); err != nil || len(res.Decisions) != 0 {
			t.Fatalf("tick %s: %+v %v\n%s", detail, res, err, log.String())
		}
		return decisions(t, log.String())
	}
	outcomes := func(ds []engine.Decision) map[string]string {
		out := map[string]string{}
		for _, d := range ds {
			if d.Rule != "" {
				out[d.Rule+" "+d.Resource] = string(d.Outcome)
				if !strings.HasPrefix(d.EventID, "scan-timer-") {
					t.Errorf("timer record %s of run %q", d.Rule, d.EventID)
				}
			}
		}
		return out
	}
	want := map[string]string{"stopped-a-day " + idle: "applied", "stopped-a-day " + protected: "skipped"}
	if got := outcomes(tick(event.TimerDetail)); !maps.Equal(got, want) {
		t.Fatalf("timer tick: %v, want %v\n%s", got, want, log.String())
	}
	if s := w.State(protected); s != "stopped" {
		t.Fatalf("the timer started the protected instance (%s): a rule with no time in it", s)
	}
	want["stopped-a-day "+idle] = "duplicate"
	if got := outcomes(tick(event.TimerDetail)); !maps.Equal(got, want) {
		t.Fatalf("the same tick again: %v, want %v", got, want)
	}
	at = "2026-11-22T10:15:00Z"
	if got := outcomes(tick(event.TimerDetail)); !maps.Equal(got, want) {
		t.Fatalf("the next tick: %v, want %v", got, want)
	}
	if _, err := w.EC2.StartInstances(context.Background(), &ec2.StartInstancesInput{InstanceIds: []string{idle}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // moto's StateTransitionReason tells the second
	w.Stop(idle)
	at = "2026-11-22T10:30:00Z"
	want["stopped-a-day "+idle] = "applied"
	if got := outcomes(tick(event.TimerDetail)); !maps.Equal(got, want) {
		t.Fatalf("a tick after another stop: %v, want %v", got, want)
	}
	var started bool
	for _, d := range tick(`{}`) {
		started = started || d.Rule == "restart-protected" && d.Resource == protected && d.Outcome == engine.Applied
	}
	if !started {
		t.Fatalf("the scan schedule's tick did not start the protected instance:\n%s", log.String())
	}
}
