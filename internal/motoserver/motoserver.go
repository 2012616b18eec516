// Package motoserver runs moto_server, a third-party AWS emulator, on a free loopback port.
// Tests use it through internal/mototest; ec2guard demo uses it directly.
package motoserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Region is the region the emulator is used in.
const Region = "us-east-1"

// AccountID is the account moto reports for the default credentials.
const AccountID = "123456789012"

// Server is a running moto_server.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	cmd      *exec.Cmd
	done     chan struct{}
	stopOnce sync.Once
}

// Start launches moto_server on a free loopback port and waits until it answers.
func Start() (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, errors.New(`moto_server not found on PATH: install it with pip install "moto[server]"`)
	}
	return start(func(port int) *exec.Cmd { return exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port)) })
}

// serialServer is moto's own server application, run by werkzeug one request at a time.
const serialServer = `import sys
from werkzeug.serving import run_simple
from moto.server import DomainDispatcherApplication, create_backend_app
run_simple(sys.argv[1], int(sys.argv[2]), DomainDispatcherApplication(create_backend_app), threaded=False)
`

// StartSerial launches moto serving one request at a time. moto_server serves requests on
// threads, and its DynamoDB then checks a conditional write and makes it in two steps that
// another request can come between; DynamoDB makes them one atomic step. Tests of what
// relies on that atomicity (the state table's claims and budgets under concurrent writers)
// run against this server, so that they test ec2guard and not moto's threading.
func StartSerial() (*Server, error) {
	py, err := exec.LookPath("python3")
	if err != nil {
		return nil, errors.New(`python3 not found on PATH: moto runs on it (pip install "moto[server]")`)
	}
	if out, err := exec.Command(py, "-c", "import moto.server, werkzeug.serving").CombinedOutput(); err != nil {
		return nil, fmt.Errorf(`python3 cannot import moto's server (pip install "moto[server]"): %v: %s`, err, strings.TrimSpace(string(out)))
	}
	return start(func(port int) *exec.Cmd { return exec.Command(py, "-c", serialServer, "127.0.0.1", strconv.Itoa(port)) })
}

func start(command func(port int) *exec.Cmd) (*Server, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s, err := startOn(command(port), port)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func startOn(cmd *exec.Cmd, port int) (*Server, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// The emulator must not inherit the AWS settings meant for its clients (an empty
	// AWS_PROFILE, a config file of /dev/null, an endpoint pointing at another server).
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if os.Getenv("MOTOTEST_VERBOSE") != "" {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting moto_server: %w", err)
	}
	s := &Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return nil, fmt.Errorf("moto_server on port %d exited before it was ready", port)
		default:
		}
		resp, err := http.Get(s.Endpoint + "/moto-api/data.json")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Stop()
	return nil, fmt.Errorf("moto_server on port %d not ready after 60s", port)
}

// Stop ends the server and waits for it.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		if s.cmd.Process != nil {
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(5 * time.Second):
				_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
				<-s.done
			}
		}
	})
}

// Reset wipes all of moto's state (every service, every region).
func (s *Server) Reset(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.Endpoint+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("resetting moto: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("resetting moto: status %s", resp.Status)
	}
	return nil
}

// Env returns the environment variables that point the standard AWS configuration at s.
func (s *Server) Env() map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL":            s.Endpoint,
		"AWS_ACCESS_KEY_ID":           "testing",
		"AWS_SECRET_ACCESS_KEY":       "testing",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  Region,
		"AWS_DEFAULT_REGION":          Region,
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Export points this process's standard AWS configuration at the server.
func (s *Server) Export() {
	for k, v := range s.Env() {
		if v == "" {
			os.Unsetenv(k)
		} else {
			os.Setenv(k, v)
		}
	}
}
