// Package faultproxy is a reverse proxy for tests that sits between the real AWS SDK clients
// and a local emulator (moto) and injects the faults AWS shows: throttling errors in each
// service's wire format, 500s and 503s, connection resets, and answers later than the client
// waits — per service and operation, deterministically: a seed and each operation's own
// count of requests decide which request fails and how, whatever the interleaving of
// operations. It listens on loopback and forwards to loopback only.
//
//	p, err := faultproxy.Start(moto.Endpoint, 1, faultproxy.Rule{Service: "ec2", Rate: 0.2, Faults: []faultproxy.Fault{faultproxy.Throttle}})
//	// point AWS_ENDPOINT_URL at p.URL
package faultproxy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Fault is one way a call can fail.
type Fault string

// The faults. Only LateAnswer lets the call reach the emulator: with it the call takes effect
// and the client does not learn it (the ambiguous failure every retrying client must survive).
const (
	Throttle    Fault = "throttle"    // EC2 RequestLimitExceeded (503); SNS, STS Throttling (400); SQS ThrottlingException (400)
	ServerError Fault = "500"         // 500 InternalError / InternalFailure
	Unavailable Fault = "503"         // 503 Unavailable / ServiceUnavailable
	Reset       Fault = "reset"       // the connection is reset (TCP RST) without an answer
	Timeout     Fault = "timeout"     // no answer for Rule.Delay (longer than the client waits), then a reset
	LateAnswer  Fault = "late-answer" // forwarded; the answer is held back for Rule.Delay
	Denied      Fault = "denied"      // 403 access denied: clients do not retry it
)

// Rule injects faults into the requests it matches.
type Rule struct {
	Service   string        // as in the request signature: "ec2", "sns", "sqs", "sts"; "" any
	Operation string        // "StartInstances", "Publish", "ReceiveMessage"...; "" any
	Match     string        // a string the request body must contain; "" any
	Rate      float64       // the chance that a matching request fails
	Faults    []Fault       // one of them, chosen with the same determinism
	Delay     time.Duration // for Timeout and LateAnswer (default 2s)
	Times     int           // at most this many faults from this rule (0: no limit)
}

// Call is one request the proxy saw.
type Call struct {
	Service, Operation string
	Body               string
	Fault              Fault // "" when it was forwarded and answered as is
	Status             int   // what the emulator answered, when forwarded
	Abandoned          bool  // forwarded, but the client had given up before the answer came
	Epoch              int   // the epoch (see Proxy.NextEpoch) it arrived in
	Took               time.Duration
}

// Proxy is a running fault-injecting proxy.
type Proxy struct {
	URL    string // http://127.0.0.1:PORT
	target *url.URL
	seed   uint64
	client *http.Client
	srv    *http.Server

	mu    sync.Mutex
	rules []Rule
	seq   map[string]uint64 // service/operation → requests seen
	hits  map[int]int       // rule index → faults injected
	calls []Call
	epoch int
}

// Start listens on a free loopback port and forwards to target, which must be a loopback
// address.
func Start(target string, seed uint64, rules ...Rule) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: target %q: %w", target, err)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("faultproxy: target %q is not a loopback address", target)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: %w", err)
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), target: u, seed: seed, rules: rules, seq: map[string]uint64{}, hits: map[int]int{},
		client: &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16}}}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(ln) //nolint:errcheck // ends with Close
	return p, nil
}

// Close stops the proxy.
func (p *Proxy) Close() { p.srv.Close() }

// SetRules replaces the rules (nil: forward everything).
func (p *Proxy) SetRules(rules ...Rule) {
	p.mu.Lock()
	p.rules, p.hits = rules, map[int]int{}
	p.mu.Unlock()
}

// NextEpoch starts a new epoch (say, a restarted consumer) and returns its number.
func (p *Proxy) NextEpoch() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.epoch++
	return p.epoch
}

// Calls returns every request seen so far, in order of arrival.
func (p *Proxy) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Call(nil), p.calls...)
}

// Injected counts the faults injected, by "service/operation/fault".
func (p *Proxy) Injected() map[string]int {
	n := map[string]int{}
	for _, c := range p.Calls() {
		if c.Fault != "" {
			n[c.Service+"/"+c.Operation+"/"+string(c.Fault)]++
		}
	}
	return n
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	svc, op := operation(r, body)
	fault, delay, idx := p.decide(svc, op, body)
	began := time.Now()
	defer func() { p.took(idx, time.Since(began)) }()
	switch fault {
	case "", LateAnswer:
		status := p.forward(w, r, body, fault, delay)
		p.mu.Lock()
		p.calls[idx].Status, p.calls[idx].Abandoned = status, fault == LateAnswer || r.Context().Err() != nil
		p.mu.Unlock()
	case Reset:
		reset(w)
	case Timeout:
		select {
		case <-time.After(delay):
		case <-r.Context().Done(): // the client gave up
		}
		reset(w)
	default:
		writeError(w, svc, r.Header.Get("X-Amz-Target") != "", fault)
	}
}

// decide picks the fault for this request and records the call.
func (p *Proxy) decide(svc, op string, body []byte) (Fault, time.Duration, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	key := svc + "/" + op
	n := p.seq[key]
	p.seq[key]++
	var fault Fault
	delay := 2 * time.Second
	for i, rl := range p.rules {
		if (rl.Service != "" && rl.Service != svc) || (rl.Operation != "" && rl.Operation != op) ||
			(rl.Match != "" && !bytes.Contains(body, []byte(rl.Match))) || len(rl.Faults) == 0 ||
			(rl.Times > 0 && p.hits[i] >= rl.Times) {
			continue
		}
		x := p.draw(key, n)
		if float64(x>>11)/(1<<53) < rl.Rate {
			p.hits[i]++
			fault = rl.Faults[int(p.draw(key+"/which", n)%uint64(len(rl.Faults)))]
			if rl.Delay > 0 {
				delay = rl.Delay
			}
		}
		break // the first matching rule decides
	}
	p.calls = append(p.calls, Call{Service: svc, Operation: op, Body: string(body), Fault: fault, Epoch: p.epoch})
	return fault, delay, len(p.calls) - 1
}

// draw is a uniform 64-bit number from the seed, a stream name and a position in it.
func (p *Proxy) draw(stream string, n uint64) uint64 {
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], p.seed)
	binary.LittleEndian.PutUint64(b[8:], n)
	h.Write(b[:])
	h.Write([]byte(stream))
	x := h.Sum64()
	// splitmix64's finalizer: FNV's low bits alone are poorly mixed.
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

func (p *Proxy) took(idx int, d time.Duration) {
	p.mu.Lock()
	p.calls[idx].Took = d
	p.mu.Unlock()
}

// forward passes the request to the target and its answer back (held back for delay with
// LateAnswer); it returns the target's status, 0 when it could not be reached.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, body []byte, fault Fault, delay time.Duration) int {
	u := *p.target
	u.Path, u.RawPath, u.RawQuery = r.URL.Path, r.URL.RawPath, r.URL.RawQuery
	req, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return 0
	}
	req.Header = r.Header.Clone()
	req.Host = r.Host
	resp, err := p.client.Do(req)
	if err != nil {
		reset(w)
		return 0
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		reset(w)
		return 0
	}
	if fault == LateAnswer {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
		reset(w) // by now the client has given up: nothing it could read
		return resp.StatusCode
	}
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(answer) //nolint:errcheck // the client went away: nothing to do
	return resp.StatusCode
}

// operation names the service (from the request's SigV4 credential scope) and the operation
// (X-Amz-Target for JSON protocols, Action for query protocols).
func operation(r *http.Request, body []byte) (svc, op string) {
	auth := r.Header.Get("Authorization")
	if i := strings.Index(auth, "Credential="); i >= 0 {
		scope, _, _ := strings.Cut(auth[i+len("Credential="):], ",")
		if parts := strings.Split(scope, "/"); len(parts) >= 5 {
			svc = parts[3]
		}
	}
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return svc, t[strings.LastIndexByte(t, '.')+1:]
	}
	if a := r.URL.Query().Get("Action"); a != "" {
		return svc, a
	}
	if form, err := url.ParseQuery(string(body)); err == nil {
		op = form.Get("Action")
	}
	return svc, op
}

// reset closes the client's connection with a TCP RST and no answer.
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(errors.New("faultproxy: cannot hijack the connection"))
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0) //nolint:errcheck // best effort: a plain close is a fault too
	}
	conn.Close()
}

// writeError answers with fault in the wire format of svc: EC2's query XML, the JSON of
// services called with X-Amz-Target (SQS), and the query XML of the others (SNS, STS).
func writeError(w http.ResponseWriter, svc string, jsonProtocol bool, fault Fault) {
	status, code, msg, sender := 500, "InternalFailure", "We encountered an internal error. Please try again.", false
	switch fault {
	case Throttle:
		status, code, msg, sender = 400, "Throttling", "Rate exceeded", true
		switch {
		case svc == "ec2":
			status, code, msg = 503, "RequestLimitExceeded", "Request limit exceeded."
		case jsonProtocol:
			code = "ThrottlingException"
		}
	case ServerError:
		if svc == "ec2" {
			code, msg = "InternalError", "An internal error has occurred."
		}
	case Unavailable:
		status, code, msg = 503, "ServiceUnavailable", "Service is unable to handle request."
		if svc == "ec2" {
			code, msg = "Unavailable", "The server is overloaded and can't handle the request."
		}
	case Denied:
		status, code, msg, sender = 403, "AccessDenied", "User is not authorized to perform this operation (injected).", true
		if svc == "ec2" {
			code = "UnauthorizedOperation"
		}
	}
	requestID := fmt.Sprintf("%08x-fa17-4000-8000-000000000000", time.Now().UnixNano()&0xffffffff)
	switch {
	case jsonProtocol:
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		party := "Receiver"
		if sender {
			party = "Sender"
		}
		w.Header().Set("X-Amzn-Query-Error", code+";"+party)
		w.Header().Set("X-Amzn-RequestId", requestID)
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"__type":"com.amazonaws.%s#%s","message":%q}`, svc, code, msg)
	case svc == "ec2":
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>`, code, msg, requestID)
	default:
		typ := "Receiver"
		if sender {
			typ = "Sender"
		}
		w.Header().Set("Content-Type", "text/xml")
		w.Header().Set("X-Amzn-RequestId", requestID)
		w.WriteHeader(status)
		fmt.Fprintf(w, `<ErrorResponse xmlns="http://%s.amazonaws.com/doc/"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`, svc, typ, code, msg, requestID)
	}
}
