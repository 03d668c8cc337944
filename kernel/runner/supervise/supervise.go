// Package supervise is the supervisor of one cell program: the process
// that stands between the kernel and the program, so that nothing the
// program starts outlives it. It uses the standard library only, so that
// the small binary built from it (./cellsupervisor, built by the kernel
// once per toolchain, see runner.Supervisors) starts in about a
// millisecond; gokernel runs the same code when that binary is not built.
//
// The supervisor starts the program in a process group of its own and
// tells the kernel the program's pid. On Linux it is a child subreaper, so
// every orphaned descendant of the program becomes its child, and the
// kernel starts it with SIGTERM as its parent-death signal. When the
// program ends, or on SIGTERM or SIGHUP, it kills every descendant (the
// program's group, and processes that left it with Setpgid), reports the
// program's wait status, and exits. SIGINT, which the kernel sends to the
// program's group, is left to the program.
//
// The protocol runs over file descriptor 3, a pipe to the kernel: "pid N\n"
// once the program started, "status W\n" (the raw wait status) when it
// ended, or "error TEXT\n" when it could not start.
package supervise

import (
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Arg is the first argument that runs a binary as a supervisor:
//
//	supervisor Arg PROGRAM ARGS...
const Arg = "__gokernel_supervise_cell"

// ParentEnv holds the pid of the kernel that started the supervisor, so a
// supervisor whose kernel died before its parent-death signal was in force
// exits at once.
const ParentEnv = "GOKERNEL_SUPERVISOR_PARENT"

// Main runs a supervisor for the program and arguments args and returns
// the exit code for the supervisor process. Call it from main when
// os.Args[1] is Arg, with os.Args[2:].
func Main(args []string) int {
	report := os.NewFile(3, "supervisor-report")
	if report == nil || len(args) == 0 {
		os.Stderr.WriteString("gokernel: the cell supervisor is started by the kernel, not by hand\n")
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
	cmd.Env = withoutEnv(os.Environ(), ParentEnv)
	cmd.SysProcAttr = programAttr()
	if ppid := os.Getenv(ParentEnv); ppid != "" && ppid != strconv.Itoa(os.Getppid()) {
		return 1 // the kernel died before this process could watch it
	}
	if err := cmd.Start(); err != nil {
		report.WriteString("error " + strings.ReplaceAll(err.Error(), "\n", " ") + "\n")
		return 1
	}
	pid := cmd.Process.Pid
	report.WriteString("pid " + strconv.Itoa(pid) + "\n")

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
			report.WriteString("status " + strconv.FormatUint(uint64(uint32(ws)), 10) + "\n")
			return 0
		case sig := <-sigs:
			if sig == syscall.SIGINT {
				continue
			}
			syscall.Kill(-pid, syscall.SIGKILL)
			select {
			case <-waited:
			case <-time.After(2 * time.Second):
			}
			killDescendants(pid)
			return 1
		}
	}
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
