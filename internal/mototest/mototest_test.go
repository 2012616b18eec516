package mototest

import (
	"context"
	"net/http"
	"os"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestServerAnswersAndResets(t *testing.T) {
	s := Current(t)
	if got := os.Getenv("AWS_ENDPOINT_URL"); got != s.Endpoint {
		t.Fatalf("AWS_ENDPOINT_URL = %q, want %q", got, s.Endpoint)
	}
	resp, err := http.Get(s.Endpoint + "/moto-api/data.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if err := s.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
}
