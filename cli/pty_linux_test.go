package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a pseudo-terminal pair: what a terminal gives a command as its stdout.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening /dev/ptmx: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("unlocking the pty: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		t.Fatalf("naming the pty: %v", e)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

// --format text colours the outcome when standard output is a terminal (a pty here), and
// not with NO_COLOR.
func TestTextColouredOnATerminal(t *testing.T) {
	bad := writeFile(t, t.TempDir(), "bad.json", `{"id":"x"`)
	args := []string{"handle", "-r", filepath.Join("..", "examples", "seeds.yaml"), "--var", "topic=arn:aws:sns:us-east-1:123456789012:ops",
		"--no-state", "--format", "text", bad}
	t.Setenv("TERM", "xterm")
	for _, noColor := range []string{"", "1"} {
		t.Setenv("NO_COLOR", noColor)
		master, slave := openPTY(t)
		code := Run(context.Background(), args, strings.NewReader(""), slave, io.Discard)
		slave.Close()
		out, _ := io.ReadAll(master) // EIO once the slave is closed and the output read
		if code != ExitRejected {
			t.Fatalf("exit %d: %q", code, out)
		}
		coloured := strings.Contains(string(out), "\x1b[31mrejected")
		if coloured != (noColor == "") {
			t.Errorf("NO_COLOR=%q: coloured %v on a terminal: %q", noColor, coloured, out)
		}
	}
}
