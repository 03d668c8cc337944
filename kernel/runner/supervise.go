package runner

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A supervisor stands between the kernel and one cell program, so that
// nothing the program starts outlives it: processes that leave the
// program's process group (Setpgid), and processes left behind when the
// kernel itself is killed with SIGKILL, which no cleanup code in the kernel
// can observe.
//
// The supervisor is a mode of a binary that calls Supervise (gokernel
// does, for its first argument SuperviseArg); RunOptions.Supervisor names
// that binary. It starts the program in a process group of its own and
// tells Start the program's pid; on Linux it is a child subreaper, so
// every orphaned descendant of the program becomes its child, and it gets
// SIGTERM when the kernel dies (Pdeathsig). When the program ends, or on
// that SIGTERM, it kills every descendant, reports the program's wait
// status, and exits. Its cost is one fork and exec of the binary per cell.
//
// The protocol runs over file descriptor 3, a pipe to Start: "pid N\n"
// once the program started, "status W\n" (the raw wait status) when it
// ended, or "error TEXT\n" when it could not start.

// SuperviseArg is the first argument that runs a binary as a supervisor:
// supervisor SuperviseArg PROGRAM ARGS...
const SuperviseArg = "__gokernel_supervise_cell"

// supervisorParentEnv holds the pid of the kernel that started the
// supervisor, so a supervisor whose kernel died before Pdeathsig was in
// force exits at once.
const supervisorParentEnv = "GOKERNEL_SUPERVISOR_PARENT"

// Supervise runs a supervisor for the program and arguments args and
// returns the exit code for the supervisor process. Call it from main when
// os.Args[1] is SuperviseArg, with os.Args[2:].
func Supervise(args []string) int {
	report := os.NewFile(3, "supervisor-report")
	if report == nil || len(args) == 0 {
		fmt.Fprintln(os.Stderr, "gokernel: the cell supervisor is started by the kernel, not by hand")
		return 2
	}
	syscall.CloseOnExec(3)
	becomeSubreaper()
	// SIGINT reaches the program's group from the kernel, not this
	// process; SIGTERM (Pdeathsig) and SIGHUP mean the kernel is gone.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = withoutEnv(os.Environ(), supervisorParentEnv)
	cmd.SysProcAttr = programAttr()
	if ppid := os.Getenv(supervisorParentEnv); ppid != "" && ppid != strconv.Itoa(os.Getppid()) {
		return 1 // the kernel died before this process could watch it
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(report, "error %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		return 1
	}
	pid := cmd.Process.Pid
	fmt.Fprintf(report, "pid %d\n", pid)

	// Only this goroutine reaps the program: killDescendants, which waits
	// for any child, runs only once the program has been reaped, so the two
	// never race for it (a lost race left cmd.ProcessState nil and the
	// supervisor dead before it had killed the program's orphans).
	waited := make(chan syscall.WaitStatus, 1)
	go func() {
		cmd.Wait()
		var ws syscall.WaitStatus
		if cmd.ProcessState != nil {
			ws, _ = cmd.ProcessState.Sys().(syscall.WaitStatus)
		}
		waited <- ws
	}()
	for {
		select {
		case ws := <-waited:
			killDescendants(pid)
			fmt.Fprintf(report, "status %d\n", uint32(ws))
			return 0
		case sig := <-sigs:
			if sig == syscall.SIGINT {
				continue
			}
			signalGroup(pid, syscall.SIGKILL)
			select {
			case <-waited:
			case <-time.After(2 * time.Second):
			}
			killDescendants(pid)
			return 1
		}
	}
}

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

func withoutEnv(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
