package runner_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"asyncgo/kernel/runner"
)

// escaper is a cell program that starts a process in a process group of
// its own (Setpgid), prints its pid, and then returns, waits to be
// interrupted, or exits as the first argument says.
const escaper = `package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	cmd := exec.Command("sleep", "300")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	fmt.Println(cmd.Process.Pid)
	switch os.Args[1] {
	case "wait":
		time.Sleep(time.Hour)
	case "crash":
		panic("crashed")
	}
}
`

// startEscaper builds escaper, starts it with argument how under
// supervisor, and returns the process and the pid of the process it
// started in its own group (killed when the test ends, whatever happens).
func startEscaper(t *testing.T, supervisor, how string) (*runner.Process, int) {
	t.Helper()
	w := newWorkspace(t)
	bin, err := w.Build(context.Background(), runner.Build{Source: []byte(escaper)})
	if err != nil {
		t.Fatal(err)
	}
	var o output
	opts := o.options()
	opts.Args = []string{how}
	opts.Supervisor = supervisor
	opts.Grace = 200 * time.Millisecond
	pidc := make(chan int, 1)
	opts.Stdout = func(b []byte) {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			pidc <- n
		}
	}
	p, err := runner.Start(context.Background(), bin, opts)
	if err != nil {
		t.Fatal(err)
	}
	var child int
	select {
	case child = <-pidc:
	case <-time.After(time.Minute):
		p.Interrupt()
		t.Fatalf("the program printed no pid in a minute: %+v", p.Wait())
	}
	t.Cleanup(func() { syscall.Kill(child, syscall.SIGKILL) })
	return p, child
}

// TestSupervisorEndsEscapedProcesses: a process that a cell started in a
// process group of its own ends when the cell returns, crashes or is
// interrupted, under either supervisor.
func TestSupervisorEndsEscapedProcesses(t *testing.T) {
	for _, how := range []string{"return", "crash", "wait"} {
		forEachSupervisor(t, how, func(t *testing.T, supervisor string) {
			if supervisor == "" {
				t.Skip("without a supervisor, a process that leaves the group is not found")
			}
			p, child := startEscaper(t, supervisor, how)
			if how == "wait" {
				p.Interrupt()
			}
			r := p.Wait()
			switch how {
			case "return":
				if !r.OK() {
					t.Errorf("result %+v, want ok", r)
				}
			case "crash":
				if r.Crash == nil || r.Crash.Message != "crashed" {
					t.Errorf("result %+v, want the panic", r)
				}
			case "wait":
				if !r.Interrupted || r.Signal == "" {
					t.Errorf("result %+v, want interrupted by a signal", r)
				}
			}
			if !gone(child) {
				t.Errorf("the process the cell started in its own group (pid %d) is still running", child)
			}
		})
	}
}

// TestSupervisorTermination: when the kernel dies, its supervisors get
// SIGTERM (their parent-death signal); the program and everything it
// started end with them. (The gokernel tests kill a real kernel.)
func TestSupervisorTermination(t *testing.T) {
	forEachSupervisor(t, "SIGTERM", func(t *testing.T, supervisor string) {
		if supervisor == "" {
			t.Skip("no supervisor to signal")
		}
		p, child := startEscaper(t, supervisor, "wait")
		// The supervisor's parent-death signal, as the kernel's death sends it.
		syscall.Kill(supervisorOf(t, p.Pid()), syscall.SIGTERM)
		p.Wait()
		for _, pid := range []int{p.Pid(), child} {
			if !gone(pid) {
				t.Errorf("process %d outlived its supervisor", pid)
			}
		}
	})
}

// supervisorOf returns the parent of pid.
func supervisorOf(t *testing.T, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// TestKilledSaysMemory: a program killed by a SIGKILL the kernel did not
// send (the out-of-memory killer's signal) is told that memory may be the
// cause; one killed after an interrupt is not.
func TestKilledSaysMemory(t *testing.T) {
	w := newWorkspace(t)
	src := "package main\nimport (\"os\"; \"syscall\")\nfunc main() { syscall.Kill(os.Getpid(), syscall.SIGKILL); select {} }\n"
	forEachSupervisor(t, "self-kill", func(t *testing.T, supervisor string) {
		var o output
		opts := o.options()
		opts.Supervisor = supervisor
		r := run(t, w, src, opts)
		if r.Signal != "killed" || !strings.Contains(r.Hint, "memory") {
			t.Errorf("signal %q hint %q, want killed and a hint about memory", r.Signal, r.Hint)
		}
	})
}

// TestWaitDoesNotWaitForTheSupervisor: once a supervisor has reported the
// program's status (after closing its copies of the program's outputs),
// Wait returns the result without waiting for the supervisor to exit, and
// a supervisor that does not exit then is killed within seconds.
func TestWaitDoesNotWaitForTheSupervisor(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var o output
	opts := o.options()
	opts.Supervisor = self
	opts.Env = []string{lingerEnv + "=1"}
	p, err := runner.Start(context.Background(), "the-program", opts)
	if err != nil {
		t.Fatal(err)
	}
	r := p.Wait()
	if r.ExitCode != 7 || r.Err != nil || o.stdout.String() != "out\n" {
		t.Errorf("result %+v, stdout %q; want exit status 7 and out", r, o.stdout.String())
	}
	if err := syscall.Kill(p.Pid(), 0); err != nil {
		t.Errorf("the supervisor had exited when Wait returned (%v): Wait waited for it", err)
	}
	if !gone(p.Pid()) {
		t.Errorf("the supervisor (pid %d) still runs after its report", p.Pid())
	}
}
