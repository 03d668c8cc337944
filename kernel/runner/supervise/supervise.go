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
// ended, or "error TEXT\n" when it could not start. A supervisor reports
// the status only once every process the program started has ended and
// it has closed its own copies of the program's standard output and
// error: the kernel then has the program's outputs to their end and its
// status without waiting for the supervisor to exit, which it does next.
//
// A spare supervisor is started before the cell that will use it, so that
// the cell does not wait for it to start: with SpareArg in place of the
// program, it becomes a subreaper and sets up its signals, reads the
// program and its arguments from its standard input (as ReadArgs reads
// what EncodeArgs wrote) and then runs it as above.
// Once the program started, the supervisor closes its own standard input:
// the program's is then the only one, so the kernel's write to a spare
// whose processes died fails, and the kernel knows not to use it.
package supervise

import (
	"encoding/binary"
	"errors"
	"io"
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

// SpareArg, in place of the program, makes a spare supervisor, which
// reads its program and arguments from standard input. A program started
// ahead of its cell may take it as its one argument to read its own
// arguments the same way (the yaegi worker does).
const SpareArg = "__gokernel_spare"

// EncodeArgs returns the message that hands a spare its arguments: their
// length in bytes (4 bytes, big-endian), then each argument followed by a
// NUL byte.
func EncodeArgs(args []string) []byte {
	n := 0
	for _, a := range args {
		n += len(a) + 1
	}
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 4+n), uint32(n))
	for _, a := range args {
		b = append(append(b, a...), 0)
	}
	return b
}

// ReadArgs reads one message of EncodeArgs from r, and nothing after it:
// what follows on a standard input is the program's. At end of file
// before a message, it returns io.EOF (the kernel closed a spare it did
// not use).
func ReadArgs(r io.Reader) ([]string, error) {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	body := make([]byte, binary.BigEndian.Uint32(n[:]))
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, err
	}
	if len(body) == 0 || body[len(body)-1] != 0 {
		return nil, errors.New("a spare's arguments must end with a NUL byte")
	}
	return strings.Split(string(body[:len(body)-1]), "\x00"), nil
}

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
	if ppid := os.Getenv(ParentEnv); ppid != "" && ppid != strconv.Itoa(os.Getppid()) {
		return 1 // the kernel died before this process could watch it
	}
	becomeSubreaper()
	// SIGINT reaches the program's group from the kernel, not this
	// process; SIGTERM (Pdeathsig) and SIGHUP mean the kernel is gone.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	if args[0] == SpareArg {
		// A spare has made itself ready above, before its cell comes,
		// which then waits only for the program's start.
		var ok bool
		if args, ok = awaitArgs(sigs); !ok {
			return 0 // the kernel is gone, or closed the spare unused
		}
	}

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = withoutEnv(os.Environ(), ParentEnv)
	cmd.SysProcAttr = programAttr()
	if err := cmd.Start(); err != nil {
		report.WriteString("error " + strings.ReplaceAll(err.Error(), "\n", " ") + "\n")
		return 1
	}
	// The program has its standard input (see the package comment).
	os.Stdin.Close()
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
			// Nothing writes to the program's outputs any more: the kernel
			// reads them to their end, and has the status, without
			// waiting for this process to exit.
			os.Stdout.Close()
			os.Stderr.Close()
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

// awaitArgs waits for a spare's program and arguments on standard input.
// It returns false when the kernel closed the spare without using it, or
// a signal in sigs says the kernel is gone: nothing has started yet.
func awaitArgs(sigs <-chan os.Signal) ([]string, bool) {
	type read struct {
		args []string
		err  error
	}
	// The read ends when the kernel writes or closes standard input, or
	// with this process.
	got := make(chan read, 1)
	go func() {
		args, err := ReadArgs(os.Stdin)
		got <- read{args, err}
	}()
	for {
		select {
		case r := <-got:
			return r.args, r.err == nil
		case sig := <-sigs:
			if sig != syscall.SIGINT {
				return nil, false
			}
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
