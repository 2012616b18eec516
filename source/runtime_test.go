package source

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ec2guard/ec2guard/engine"
)

// The Runtime API client on a loopback Runtime API: each invocation's payload reaches the
// handler with the invocation's deadline, a result is posted to /response, an error (and a
// panic) to /error with its type, and the loop ends when its context does.
func TestServeRuntimeAPI(t *testing.T) {
	deadline := time.Now().Add(time.Minute).Truncate(time.Millisecond)
	payloads := []string{`{"n":"ok"}`, `{"n":"fail"}`, `{"n":"panic"}`}
	type answer struct{ path, errType, body string }
	answers := make(chan answer, len(payloads))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	next := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == runtimePath+"invocation/next":
			if next == len(payloads) {
				cancel() // SIGTERM while waiting for the next invocation
				<-r.Context().Done()
				return
			}
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", fmt.Sprint("req-", next))
			w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(deadline.UnixMilli()))
			io.WriteString(w, payloads[next])
			next++
		case r.Method == http.MethodPost:
			b, _ := io.ReadAll(r.Body)
			w.WriteHeader(http.StatusAccepted)
			answers <- answer{r.URL.Path, r.Header.Get("Lambda-Runtime-Function-Error-Type"), string(b)}
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		}
	}))
	defer srv.Close()
	handler := func(ctx context.Context, raw json.RawMessage) (LambdaResult, error) {
		if dl, ok := ctx.Deadline(); !ok || !dl.Equal(deadline) {
			t.Errorf("deadline %v %v, want %v", dl, ok, deadline)
		}
		switch {
		case strings.Contains(string(raw), "fail"):
			return LambdaResult{}, errors.New("an action failed")
		case strings.Contains(string(raw), "panic"):
			panic("boom")
		}
		return LambdaResult{Decisions: []engine.Decision{{EventID: "e1", Outcome: engine.Applied}}}, nil
	}
	done := make(chan error)
	go func() { done <- ServeRuntimeAPI(ctx, strings.TrimPrefix(srv.URL, "http://"), handler) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("ServeRuntimeAPI did not end with its context")
	}
	close(answers)
	var got []answer
	for a := range answers {
		got = append(got, a)
	}
	if len(got) != 3 {
		t.Fatalf("answers %+v", got)
	}
	if a := got[0]; a.path != runtimePath+"invocation/req-0/response" || !strings.Contains(a.body, `"event_id":"e1"`) {
		t.Errorf("response %+v", a)
	}
	if a := got[1]; a.path != runtimePath+"invocation/req-1/error" || a.errType != "Unhandled" || a.body != `{"errorMessage":"an action failed","errorType":"errorString"}` {
		t.Errorf("error %+v", a)
	}
	if a := got[2]; a.path != runtimePath+"invocation/req-2/error" || !strings.Contains(a.body, `"errorMessage":"panic: boom`) {
		t.Errorf("panic %+v", a)
	}
	// A Runtime API that is not there ends the loop with an error (Lambda then restarts the process).
	if err := ServeRuntimeAPI(context.Background(), "127.0.0.1:1", handler); err == nil || !strings.Contains(err.Error(), "asking for the next invocation") {
		t.Errorf("no Runtime API: %v", err)
	}
}
