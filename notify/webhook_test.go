package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// hook is a loopback webhook server that answers from a script of statuses (200 once it
// runs out) and keeps the bodies it got.
type hook struct {
	*httptest.Server
	mu     sync.Mutex
	script []int
	header http.Header // added to every answer
	bodies [][]byte
}

func newHook(t *testing.T, tls bool, script ...int) *hook {
	h := &hook{script: script, header: http.Header{}}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if r.Header.Get("Content-Type") != "application/json" || r.Method != http.MethodPost {
			w.WriteHeader(http.StatusUnsupportedMediaType)
			return
		}
		h.bodies = append(h.bodies, b)
		status := http.StatusOK
		if len(h.script) > 0 {
			status, h.script = h.script[0], h.script[1:]
		}
		for k, v := range h.header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		if status != http.StatusOK {
			_, _ = io.WriteString(w, "no_service")
		}
	})
	if tls {
		h.Server = httptest.NewTLSServer(handler)
	} else {
		h.Server = httptest.NewServer(handler)
	}
	t.Cleanup(h.Close)
	return h
}

func (h *hook) got() [][]byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.bodies
}

// recorder is a Sleep that returns at once and keeps the waits asked.
type recorder struct{ waits []time.Duration }

func (r *recorder) sleep(_ context.Context, d time.Duration) error {
	r.waits = append(r.waits, d)
	return nil
}

func TestWebhookBodies(t *testing.T) {
	h := newHook(t, false)
	w := &Webhooks{AllowLoopbackHTTP: true}
	ctx := context.Background()
	for _, f := range []Format{Slack, Teams, Generic} {
		if n, err := w.Send(ctx, f, h.URL+"/services/T/B/secret", failing); err != nil || n != 1 {
			t.Fatalf("%s: %d attempts, %v", f, n, err)
		}
	}
	got := h.got()
	var slack struct {
		Text   string
		Blocks []struct {
			Type string
			Text struct{ Type, Text string }
		}
	}
	if err := json.Unmarshal(got[0], &slack); err != nil || slack.Text != failing.Subject() || len(slack.Blocks) != 2 ||
		slack.Blocks[0].Type != "header" || slack.Blocks[1].Text.Type != "mrkdwn" || !strings.Contains(slack.Blocks[1].Text.Text, "How to fix it") {
		t.Errorf("slack body %s (%v)", got[0], err)
	}
	var teams struct {
		Type        string
		Attachments []struct {
			ContentType string
			Content     struct {
				Type string
				Body []struct {
					Type, Text string
					Facts      []struct{ Title, Value string }
				}
			}
		}
	}
	if err := json.Unmarshal(got[1], &teams); err != nil || teams.Type != "message" || len(teams.Attachments) != 1 ||
		teams.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" || teams.Attachments[0].Content.Type != "AdaptiveCard" ||
		teams.Attachments[0].Content.Body[2].Facts[0].Value != "require-exception" {
		t.Errorf("teams body %s (%v)", got[1], err)
	}
	var generic map[string]any
	if err := json.Unmarshal(got[2], &generic); err != nil || generic["subject"] != failing.Subject() || generic["owner"] != "alice" ||
		generic["due"] != "2026-12-08T15:00:00+01:00" || generic["action"] != "stop" || generic["text"] != failing.Text() {
		t.Errorf("generic body %s (%v)", got[2], err)
	}
	// Slack's markup characters are escaped.
	m := failing
	m.Problem = "<!channel> & co"
	b, _ := Body(Slack, m)
	if !strings.Contains(string(b), `&lt;!channel&gt; &amp; co`) {
		t.Errorf("not escaped: %s", b)
	}
}

func TestWebhookRetries(t *testing.T) {
	ctx := context.Background()
	t.Run("5xx and 429 are retried with a doubling backoff", func(t *testing.T) {
		h := newHook(t, false, 503, 429, 500)
		rec := &recorder{}
		w := &Webhooks{AllowLoopbackHTTP: true, Sleep: rec.sleep}
		n, err := w.Send(ctx, Generic, h.URL, failing)
		if err != nil || n != 4 || len(h.got()) != 4 {
			t.Fatalf("%d attempts, %v, %d received", n, err, len(h.got()))
		}
		if want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}; !equalDurations(rec.waits, want) {
			t.Errorf("waits %v, want %v", rec.waits, want)
		}
	})
	t.Run("Retry-After is honoured, within a cap", func(t *testing.T) {
		h := newHook(t, false, 429, 429)
		h.header.Set("Retry-After", "3")
		rec := &recorder{}
		w := &Webhooks{AllowLoopbackHTTP: true, Sleep: rec.sleep}
		if _, err := w.Send(ctx, Generic, h.URL, failing); err != nil {
			t.Fatal(err)
		}
		h.header.Set("Retry-After", "3600")
		h.script = []int{503}
		if _, err := w.Send(ctx, Generic, h.URL, failing); err != nil {
			t.Fatal(err)
		}
		if want := []time.Duration{3 * time.Second, 3 * time.Second, 8 * time.Second}; !equalDurations(rec.waits, want) {
			t.Errorf("waits %v, want %v", rec.waits, want)
		}
	})
	t.Run("every attempt failing is an error with the last answer", func(t *testing.T) {
		h := newHook(t, false, 500, 500, 500)
		w := &Webhooks{AllowLoopbackHTTP: true, Attempts: 3, Sleep: (&recorder{}).sleep}
		n, err := w.Send(ctx, Slack, h.URL+"/services/T/B/secret", failing)
		var se *SendError
		if !errors.As(err, &se) || n != 3 || se.Status != 500 || err.Error() != "webhook "+h.URL+"/…: HTTP 500: no_service (after 3 attempts)" {
			t.Fatalf("%d attempts, %v", n, err)
		}
	})
	t.Run("4xx is final", func(t *testing.T) {
		h := newHook(t, false, 404)
		w := &Webhooks{AllowLoopbackHTTP: true, Sleep: (&recorder{}).sleep}
		if n, err := w.Send(ctx, Slack, h.URL, failing); err == nil || n != 1 || !strings.Contains(err.Error(), "HTTP 404") {
			t.Fatalf("%d attempts, %v", n, err)
		}
	})
	t.Run("a redirect is not followed", func(t *testing.T) {
		h := newHook(t, false, 302)
		h.header.Set("Location", "https://elsewhere.example.com/steal")
		w := &Webhooks{AllowLoopbackHTTP: true}
		if n, err := w.Send(ctx, Slack, h.URL, failing); err == nil || n != 1 || !strings.Contains(err.Error(), "redirected to https://elsewhere.example.com/…: not followed") {
			t.Fatalf("%d attempts, %v", n, err)
		}
	})
	t.Run("a refused connection is retried and its error hides the path", func(t *testing.T) {
		h := newHook(t, false)
		url := h.URL + "/services/T/B/secret"
		h.Close()
		rec := &recorder{}
		w := &Webhooks{AllowLoopbackHTTP: true, Attempts: 2, Sleep: rec.sleep}
		n, err := w.Send(ctx, Slack, url, failing)
		if err == nil || n != 2 || strings.Contains(err.Error(), "secret") || len(rec.waits) != 1 {
			t.Fatalf("%d attempts, %v", n, err)
		}
	})
	t.Run("a cancelled context stops the retries", func(t *testing.T) {
		h := newHook(t, false, 503, 503, 503)
		cctx, cancel := context.WithCancel(ctx)
		w := &Webhooks{AllowLoopbackHTTP: true, Sleep: func(context.Context, time.Duration) error { cancel(); return context.Canceled }}
		if n, err := w.Send(cctx, Slack, h.URL, failing); !errors.Is(err, context.Canceled) || n != 1 {
			t.Fatalf("%d attempts, %v", n, err)
		}
	})
}

func TestWebhookHTTPS(t *testing.T) {
	ctx := context.Background()
	plain := newHook(t, false)
	if _, err := (&Webhooks{}).Send(ctx, Slack, plain.URL, failing); err == nil || !strings.Contains(err.Error(), "is not https") || len(plain.got()) != 0 {
		t.Fatalf("http without the test option: %v", err)
	}
	secure := newHook(t, true)
	if n, err := (&Webhooks{Client: secure.Client()}).Send(ctx, Teams, secure.URL, failing); err != nil || n != 1 || len(secure.got()) != 1 {
		t.Fatalf("https: %d, %v", n, err)
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDeliverEveryChannel(t *testing.T) {
	h := newHook(t, false, 500)
	s := &Sender{Webhooks: &Webhooks{AllowLoopbackHTTP: true, Sleep: (&recorder{}).sleep}}
	ds := s.Deliver(context.Background(), Recipient{SNS: "arn:aws:sns:eu-west-1:111122223333:o", Slack: h.URL + "/s/secret", Webhook: h.URL + "/w"}, failing)
	if len(ds) != 3 || ds[0].Channel != "sns" || ds[0].Err == nil ||
		ds[1].Channel != "slack" || ds[1].Err != nil || ds[1].Attempts != 2 || ds[1].To != h.URL+"/…" ||
		ds[2].Channel != "webhook" || ds[2].Err != nil || len(h.got()) != 3 {
		t.Fatalf("deliveries %+v, %d received", ds, len(h.got()))
	}
}
