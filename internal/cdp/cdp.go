// Package cdp drives a headless Chromium from tests over the DevTools protocol: it starts
// the browser on a loopback debugging port and speaks the protocol's JSON messages over a
// WebSocket of its own (RFC 6455, client side, text frames only: what DevTools sends), so
// the tests need no browser-automation dependency.
package cdp

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Find returns the Chromium binary: $EC2GUARD_CHROMIUM, or chromium, chromium-browser,
// google-chrome or headless_shell on PATH.
func Find() (string, error) {
	if p := os.Getenv("EC2GUARD_CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium on PATH (apt-get install -y chromium, or set EC2GUARD_CHROMIUM)")
}

var listening = regexp.MustCompile(`DevTools listening on (ws://127\.0\.0\.1:(\d+)/\S+)`)

// Launch starts a headless Chromium on a loopback debugging port and connects to its page.
// A missing browser fails the test: it is a requirement, like moto. The browser is stopped
// when the test ends.
func Launch(t testing.TB) *Page {
	t.Helper()
	bin, err := Find()
	if err != nil {
		t.Fatal(err)
	}
	// The profile is removed after the browser and its children are gone (they write to it
	// to the end), not by t.TempDir's cleanup, which could race them.
	profile, err := os.MkdirTemp("", "ec2guard-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"--user-data-dir="+profile, "--no-first-run", "--no-default-browser-check",
		"--disable-extensions", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-default-apps", "--hide-scrollbars", "about:blank")
	// Its own process group, killed whole: the renderers and helpers go with the browser.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		for range 20 { // a helper may still be exiting
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	found := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		var tail []string
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m
				break
			}
			tail = append(tail, sc.Text())
		}
		if len(tail) > 0 {
			found <- []string{strings.Join(tail, "\n")}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	var port string
	select {
	case m := <-found:
		if len(m) != 3 {
			t.Fatalf("%s did not open its debugging port: %s", bin, m[0])
		}
		port = m[2]
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not open its debugging port in 30 s", bin)
	}
	ws, err := pageSocket(port)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := Dial(ws)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &Page{Conn: conn}
}

// pageSocket finds the WebSocket of the browser's page target.
func pageSocket(port string) (string, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://127.0.0.1:" + port + "/json/list")
		if err == nil {
			var targets []struct{ Type, WebSocketDebuggerURL string }
			err = json.NewDecoder(resp.Body).Decode(&targets)
			resp.Body.Close()
			for _, tg := range targets {
				if tg.Type == "page" {
					return tg.WebSocketDebuggerURL, nil
				}
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no page target on port %s: %v", port, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Page is a connection to one page target.
type Page struct {
	*Conn
	loaded chan struct{}
	once   sync.Once
}

// Load navigates to u and waits for the page's load event; it returns the time from the
// navigation to the event.
func (p *Page) Load(ctx context.Context, u string) (time.Duration, error) {
	p.once.Do(func() {
		p.loaded = make(chan struct{}, 1)
		p.On("Page.loadEventFired", func(json.RawMessage) {
			select {
			case p.loaded <- struct{}{}:
			default:
			}
		})
	})
	if err := p.Call(ctx, "Page.enable", nil, nil); err != nil {
		return 0, err
	}
	select { // a load event of an earlier page
	case <-p.loaded:
	default:
	}
	start := time.Now()
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := p.Call(ctx, "Page.navigate", map[string]any{"url": u}, &nav); err != nil {
		return 0, err
	}
	if nav.ErrorText != "" {
		return 0, fmt.Errorf("navigating to %s: %s", u, nav.ErrorText)
	}
	select {
	case <-p.loaded:
		return time.Since(start), nil
	case <-ctx.Done():
		return 0, fmt.Errorf("loading %s: %w", u, ctx.Err())
	}
}

// Conn is a DevTools protocol connection: calls answered by id, events to listeners.
type Conn struct {
	c       net.Conn
	r       *bufio.Reader
	wmu     sync.Mutex
	mu      sync.Mutex
	next    int64
	waiting map[int64]chan message
	on      map[string][]func(json.RawMessage)
	done    chan struct{}
	err     error
}

type message struct {
	ID     int64           `json:"id,omitempty"`
	Method string          `json:"method,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// Dial opens a WebSocket to a DevTools endpoint (ws://127.0.0.1:PORT/...).
func Dial(endpoint string) (*Conn, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme != "ws" {
		return nil, fmt.Errorf("not a ws:// URL: %q", endpoint)
	}
	c, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		return nil, fmt.Errorf("dialing %s: %w", u.Host, err)
	}
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	k := base64.StdEncoding.EncodeToString(key)
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", u.RequestURI(), u.Host, k)
	r := bufio.NewReaderSize(c, 1<<16)
	resp, err := http.ReadResponse(r, &http.Request{Method: http.MethodGet})
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("WebSocket handshake: %w", err)
	}
	sum := sha1.Sum([]byte(k + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		c.Close()
		return nil, fmt.Errorf("WebSocket handshake: %s", resp.Status)
	}
	conn := &Conn{c: c, r: r, waiting: map[int64]chan message{}, on: map[string][]func(json.RawMessage){}, done: make(chan struct{})}
	go conn.read()
	return conn, nil
}

// On calls f with the params of every event named method, on the reading goroutine.
func (c *Conn) On(method string, f func(params json.RawMessage)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on[method] = append(c.on[method], f)
}

// Call sends a command and decodes its result into result (nil: ignore it).
func (c *Conn) Call(ctx context.Context, method string, params, result any) error {
	c.mu.Lock()
	c.next++
	id := c.next
	ch := make(chan message, 1)
	c.waiting[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.waiting, id)
		c.mu.Unlock()
	}()
	if params == nil {
		params = struct{}{}
	}
	p, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	b, _ := json.Marshal(message{ID: id, Method: method, Params: p})
	if err := c.writeFrame(0x1, b); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if result != nil {
			if err := json.Unmarshal(m.Result, result); err != nil {
				return fmt.Errorf("%s: decoding the result: %w", method, err)
			}
		}
		return nil
	case <-c.done:
		return fmt.Errorf("%s: connection closed: %v", method, c.err)
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// Eval evaluates a JavaScript expression in the page and decodes its value into result.
func (c *Conn) Eval(ctx context.Context, expr string, result any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := c.Call(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &r); err != nil {
		return err
	}
	if e := r.ExceptionDetails; e != nil {
		return fmt.Errorf("evaluating %q: %s %s", expr, e.Text, e.Exception.Description)
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(r.Result.Value, result); err != nil {
		return fmt.Errorf("evaluating %q: %w (value %s)", expr, err, r.Result.Value)
	}
	return nil
}

// Close ends the connection.
func (c *Conn) Close() error {
	_ = c.writeFrame(0x8, nil)
	return c.c.Close()
}

func (c *Conn) read() {
	defer close(c.done)
	for {
		b, err := c.readMessage()
		if err != nil {
			c.err = err
			return
		}
		var m message
		if err := json.Unmarshal(b, &m); err != nil {
			continue // not ours to judge: DevTools sends only JSON
		}
		c.mu.Lock()
		if m.ID != 0 {
			if ch, ok := c.waiting[m.ID]; ok {
				ch <- m
			}
			c.mu.Unlock()
			continue
		}
		fs := c.on[m.Method]
		c.mu.Unlock()
		for _, f := range fs {
			f(m.Params)
		}
	}
}

// readMessage reads one message, joining fragments and answering pings.
func (c *Conn) readMessage() ([]byte, error) {
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.r, h[:]); err != nil {
			return nil, err
		}
		fin, op, n := h[0]&0x80 != 0, h[0]&0x0f, uint64(h[1]&0x7f)
		switch n {
		case 126:
			var l [2]byte
			if _, err := io.ReadFull(c.r, l[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(l[:]))
		case 127:
			var l [8]byte
			if _, err := io.ReadFull(c.r, l[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(l[:])
		}
		if h[1]&0x80 != 0 || n > 256<<20 {
			return nil, errors.New("a frame a server must not send (masked, or over 256 MiB)")
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(c.r, payload); err != nil {
			return nil, err
		}
		switch op {
		case 0x8:
			return nil, io.EOF
		case 0x9:
			if err := c.writeFrame(0xA, payload); err != nil {
				return nil, err
			}
			continue
		case 0xA:
			continue
		}
		msg = append(msg, payload...)
		if fin {
			return msg, nil
		}
	}
}

// writeFrame writes one masked frame, as a client must.
func (c *Conn) writeFrame(op byte, payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	h := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		h = append(h, 0x80|byte(n))
	case n <= 0xffff:
		h = append(h, 0x80|126)
		h = binary.BigEndian.AppendUint16(h, uint16(n))
	default:
		h = append(h, 0x80|127)
		h = binary.BigEndian.AppendUint64(h, uint64(n))
	}
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	h = append(h, mask[:]...)
	out := make([]byte, len(h)+len(payload))
	copy(out, h)
	for i, b := range payload {
		out[len(h)+i] = b ^ mask[i%4]
	}
	_, err := c.c.Write(out)
	return err
}
