package cdp

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
)

// Watcher records what a page reports as a problem (console errors and warnings, uncaught
// exceptions, log entries of level error or warning: a refused request or a broken content
// security policy among them) and every URL it requests.
type Watcher struct {
	mu       sync.Mutex
	problems []string
	requests []string
}

// Watch enables the Runtime, Log and Network domains and starts recording.
func (p *Page) Watch(ctx context.Context) (*Watcher, error) {
	w := &Watcher{}
	note := func(list *[]string, s string) {
		w.mu.Lock()
		defer w.mu.Unlock()
		*list = append(*list, s)
	}
	p.On("Runtime.consoleAPICalled", func(m json.RawMessage) {
		var e struct {
			Type string            `json:"type"`
			Args []json.RawMessage `json:"args"`
		}
		if json.Unmarshal(m, &e) == nil && (e.Type == "error" || e.Type == "warning" || e.Type == "assert") {
			note(&w.problems, fmt.Sprintf("console.%s %s", e.Type, e.Args))
		}
	})
	p.On("Runtime.exceptionThrown", func(m json.RawMessage) { note(&w.problems, "exception "+string(m)) })
	p.On("Log.entryAdded", func(m json.RawMessage) {
		var e struct {
			Entry struct{ Level, Text, URL string } `json:"entry"`
		}
		if json.Unmarshal(m, &e) == nil && (e.Entry.Level == "error" || e.Entry.Level == "warning") {
			note(&w.problems, "log "+e.Entry.Level+": "+e.Entry.Text+" "+e.Entry.URL)
		}
	})
	p.On("Network.requestWillBeSent", func(m json.RawMessage) {
		var e struct {
			Request struct{ URL string } `json:"request"`
		}
		if json.Unmarshal(m, &e) == nil {
			note(&w.requests, e.Request.URL)
		}
	})
	for _, domain := range []string{"Runtime.enable", "Log.enable", "Network.enable"} {
		if err := p.Call(ctx, domain, nil, nil); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// Problems is what the page reported so far.
func (w *Watcher) Problems() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.problems...)
}

// Requests is every URL the page requested so far, its own loads included.
func (w *Watcher) Requests() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.requests...)
}
