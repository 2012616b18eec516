// Package mototest runs moto_server (see internal/motoserver) for a test package:
//
//	func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }
//
// Main starts one server for the package, points the standard AWS configuration at it
// (AWS_ENDPOINT_URL, dummy credentials, AWS_REGION=us-east-1) and stops it afterwards. A
// missing moto_server is a failure, never a skip: CI must not pass without the emulator.
package mototest

import (
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/ec2guard/ec2guard/internal/motoserver"
)

// Region is the region tests run in.
const Region = motoserver.Region

// AccountID is the account moto reports for the default credentials.
const AccountID = motoserver.AccountID

// Server is a running moto_server.
type Server = motoserver.Server

var (
	current   *Server
	currentMu sync.Mutex
)

// Main starts a server, exports its environment, runs the package's tests and stops it.
func Main(m *testing.M) int { return run(m, motoserver.Start) }

// MainSerial is Main with a server that serves one request at a time
// (motoserver.StartSerial): for tests of conditional writes under concurrency.
func MainSerial(m *testing.M) int { return run(m, motoserver.StartSerial) }

func run(m *testing.M, startServer func() (*Server, error)) int {
	s, err := startServer()
	if err != nil {
		fmt.Fprintf(os.Stderr, "mototest: %v\n", err)
		return 1
	}
	defer s.Stop()
	s.Export()
	currentMu.Lock()
	current = s
	currentMu.Unlock()
	return m.Run()
}

// Current returns the server Main started; it fails the test when there is none.
func Current(tb testing.TB) *Server {
	tb.Helper()
	currentMu.Lock()
	defer currentMu.Unlock()
	if current == nil {
		tb.Fatal("mototest: no server: call mototest.Main from TestMain")
	}
	return current
}
