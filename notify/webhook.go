package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Format is the JSON body a webhook takes.
type Format string

// The formats.
const (
	Slack   Format = "slack"   // Slack incoming webhook: text, with header and section blocks
	Teams   Format = "teams"   // Microsoft Teams incoming webhook (Workflows): a message with an Adaptive Card
	Generic Format = "webhook" // the Message as JSON, with its subject and text
)

// Body is the JSON a webhook of format f receives for m.
func Body(f Format, m Message) ([]byte, error) {
	var v any
	switch f {
	case Slack:
		v = slackBody(m)
	case Teams:
		v = teamsBody(m)
	case Generic:
		v = struct {
			Subject string `json:"subject"`
			Text    string `json:"text"`
			Message
		}{m.Subject(), m.Text(), m}
	default:
		return nil, fmt.Errorf("unknown webhook format %q", f)
	}
	// Not HTML-escaped: the bodies are read by chat services and people, not put in pages.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// slackEscape escapes what Slack's mrkdwn treats as markup (&, <, >).
var slackEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func slackBody(m Message) map[string]any {
	text := slackEscape.Replace(m.Text())
	return map[string]any{
		"text": slackEscape.Replace(m.Subject()), // shown where blocks are not (notifications)
		"blocks": []any{
			map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": clip(m.Subject(), 150)}},
			map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": clip(text, 3000)}},
		},
	}
}

func teamsBody(m Message) map[string]any {
	var facts []any
	for _, f := range [][2]string{{"Rule", m.Rule}, {"Control", m.Control}, {"Severity", m.Severity},
		{"Resource", m.ResourceKind + " " + m.ResourceID}, {"Account", m.Account}, {"Region", m.Region}, {"Owner", m.Owner}} {
		if f[1] != "" {
			facts = append(facts, map[string]any{"title": f[0], "value": f[1]})
		}
	}
	card := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body": []any{
			map[string]any{"type": "TextBlock", "text": m.Subject(), "weight": "Bolder", "size": "Medium", "wrap": true},
			map[string]any{"type": "TextBlock", "text": m.Text(), "wrap": true},
			map[string]any{"type": "FactSet", "facts": facts},
		},
	}
	return map[string]any{
		"type":        "message",
		"attachments": []any{map[string]any{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}},
	}
}

// Webhooks sends messages to webhook URLs, retrying what may pass: a network error, 408, 429
// and 5xx, after a doubling backoff (or the server's Retry-After, when it says). Other answers
// are final. Redirects are not followed (a webhook that moves is a configuration to fix).
// The zero value is ready: four attempts, 500 ms doubling to at most 8 s, 10 s a request.
type Webhooks struct {
	Client            *http.Client
	AllowLoopbackHTTP bool // admit http:// to loopback hosts (tests only)
	Attempts          int
	Backoff           time.Duration
	// Sleep waits d or until ctx ends (tests inject one that records and returns at once).
	Sleep func(ctx context.Context, d time.Duration) error
}

// maxBackoff caps the wait between attempts, a server's Retry-After included.
const maxBackoff = 8 * time.Second

var defaultClient = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// SendError is a webhook's refusal or the last failure of every attempt.
type SendError struct {
	URL      string // redacted
	Status   int    // the last HTTP status; 0 for a network error
	Attempts int
	Err      error
}

func (e *SendError) Error() string {
	s := fmt.Sprintf("webhook %s: ", e.URL)
	if e.Status != 0 {
		s += fmt.Sprintf("HTTP %d", e.Status)
		if e.Err != nil {
			s += ": "
		}
	}
	if e.Err != nil {
		s += e.Err.Error()
	}
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return s
}

func (e *SendError) Unwrap() error { return e.Err }

// Send posts m to url in format f and returns the number of attempts it took.
func (w *Webhooks) Send(ctx context.Context, f Format, url string, m Message) (int, error) {
	if err := CheckURL(url, w.AllowLoopbackHTTP); err != nil {
		return 0, err
	}
	body, err := Body(f, m)
	if err != nil {
		return 0, err
	}
	attempts := w.Attempts
	if attempts <= 0 {
		attempts = 4
	}
	wait := w.Backoff
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	var last *SendError
	for n := 1; n <= attempts; n++ {
		retry, after, err := w.post(ctx, url, body)
		if err == nil {
			return n, nil
		}
		last = err
		last.Attempts = n
		if !retry || n == attempts || ctx.Err() != nil {
			break
		}
		d := min(wait, maxBackoff)
		if after > 0 {
			d = min(after, maxBackoff)
		}
		if err := w.sleep(ctx, d); err != nil {
			last.Err = errors.Join(last.Err, err)
			break
		}
		wait *= 2
	}
	return last.Attempts, last
}

func (w *Webhooks) sleep(ctx context.Context, d time.Duration) error {
	if w.Sleep != nil {
		return w.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// post makes one attempt: whether a failure may pass on a retry, and how long the server
// asked to wait.
func (w *Webhooks) post(ctx context.Context, url string, body []byte) (retry bool, after time.Duration, _ *SendError) {
	fail := &SendError{URL: Redact(url)}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		fail.Err = err
		return false, 0, fail
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ec2guard")
	cl := w.Client
	if cl == nil {
		cl = defaultClient
	}
	resp, err := cl.Do(req)
	if err != nil {
		// The error names the URL, whose path is the webhook's secret.
		fail.Err = errors.New(strings.ReplaceAll(err.Error(), url, fail.URL))
		return ctx.Err() == nil, 0, fail
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16)) // lets the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, 0, nil
	}
	fail.Status = resp.StatusCode
	if a := strings.TrimSpace(string(answer)); a != "" {
		fail.Err = errors.New(clip(a, 200))
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		fail.Err = fmt.Errorf("redirected to %s: not followed; give the webhook's own URL", Redact(resp.Header.Get("Location")))
	}
	switch {
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode >= 500:
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s >= 0 {
			after = time.Duration(s) * time.Second
		}
		return true, after, fail
	}
	return false, 0, fail
}
