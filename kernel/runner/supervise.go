package runner

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"asyncgo/kernel/runner/supervise"
)

// A supervisor stands between the kernel and one cell program, so that
// nothing the program starts outlives it: processes that leave the
// program's process group (Setpgid), and processes left behind when the
// kernel itself is killed with SIGKILL, which no cleanup code in the kernel
// can observe. Package supervise is its side; this file is Start's.
//
// RunOptions.Supervisor names the binary: the small one that Supervisors
// builds once per toolchain (about a millisecond of processor time to
// start), or, until it is built, a binary that calls Supervise for its
// first argument SuperviseArg (gokernel does; the bigger binary costs over
// ten milliseconds of processor time to start per cell).

// SuperviseArg is the first argument that runs a binary as a supervisor:
// supervisor SuperviseArg PROGRAM ARGS...
const SuperviseArg = supervise.Arg

// Supervise runs a supervisor for the program and arguments args and
// returns the exit code for the supervisor process. Call it from main when
// os.Args[1] is SuperviseArg, with os.Args[2:].
func Supervise(args []string) int { return supervise.Main(args) }

// supervisor is Start's side of the protocol.
type supervisor struct {
	report *bufio.Reader
	file   *os.File
}

// readPid waits for the supervisor to report the program's pid.
func (s *supervisor) readPid(timeout time.Duration) (int, error) {
	s.file.SetReadDeadline(time.Now().Add(timeout))
	defer s.file.SetReadDeadline(time.Time{})
	line, err := s.report.ReadString('\n')
	if err != nil {
		return 0, fmt.Errorf("the cell supervisor did not start the program: %w", err)
	}
	line = strings.TrimSpace(line)
	if msg, ok := strings.CutPrefix(line, "error "); ok {
		return 0, errors.New(msg)
	}
	n, err := strconv.Atoi(strings.TrimPrefix(line, "pid "))
	if err != nil || !strings.HasPrefix(line, "pid ") {
		return 0, fmt.Errorf("the cell supervisor said %q instead of the program's pid", line)
	}
	return n, nil
}

// readStatus returns the program's wait status, once the supervisor
// exited; ok is false when it died without reporting one.
func (s *supervisor) readStatus() (ws syscall.WaitStatus, ok bool) {
	defer s.file.Close()
	line, err := s.report.ReadString('\n')
	if err != nil {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(line), "status "), 10, 32)
	if err != nil {
		return 0, false
	}
	return syscall.WaitStatus(n), true
}
