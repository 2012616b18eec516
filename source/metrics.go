package source

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// Metrics are counters served in the Prometheus text format.
type Metrics struct {
	mu sync.Mutex
	c  map[string]float64 // "name" or "name{outcome=\"x\"}"
}

// NewMetrics returns an empty set of counters.
func NewMetrics() *Metrics { return &Metrics{c: map[string]float64{}} }

func (m *Metrics) inc(name, outcome string) {
	if m == nil {
		return
	}
	key := name
	if outcome != "" {
		key = fmt.Sprintf("%s{outcome=%q}", name, outcome)
	}
	m.mu.Lock()
	m.c[key]++
	m.mu.Unlock()
}

// ServeHTTP writes the counters in the Prometheus text exposition format.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	m.write(w)
}

func (m *Metrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	keys := make([]string, 0, len(m.c))
	for k := range m.c {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	typed := map[string]bool{}
	for _, k := range keys {
		name, _, _ := strings.Cut(k, "{")
		if !typed[name] {
			fmt.Fprintf(w, "# TYPE %s counter\n", name)
			typed[name] = true
		}
		fmt.Fprintf(w, "%s %g\n", k, m.c[k])
	}
}
