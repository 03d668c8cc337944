package main_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"asyncgo/kernel/client"
)

// spareMarker is in the command line of every spare process (see
// runner.StartSpare).
const spareMarker = "__gokernel_spare"

// yaegiSpares is how many yaegi workers the kernel keeps started once a
// cell has run on yaegi.
const yaegiSpares = 2

// spareProcesses returns, by pid, the live spares of the kernel whose pid
// is kernel: the cell supervisors it started that wait for their
// program, and the yaegi workers its supervisors started that wait for
// theirs (their command lines hold the spare marker). Other kernels on
// the machine (tests of other packages run beside this one) have spares
// too: only the kernel's own descendants count.
func spareProcesses(t *testing.T, kernel int) (supervisors, workers map[int]bool) {
	t.Helper()
	type proc struct {
		ppid int
		args []string
	}
	procs := map[int]proc{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !strings.Contains(string(b), spareMarker) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(d))
		ppid := parentPid(pid)
		if ppid <= 0 || processGone(pid, 0) {
			continue
		}
		procs[pid] = proc{ppid, strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")}
	}
	supervisors, workers = map[int]bool{}, map[int]bool{}
	for pid, p := range procs {
		switch {
		case strings.Contains(filepath.Base(p.args[0]), "yaegi-worker"):
			if parentPid(p.ppid) == kernel {
				workers[pid] = true
			}
		case p.ppid == kernel && len(p.args) == 3 && p.args[2] == spareMarker:
			supervisors[pid] = true // waiting for its program
		}
	}
	return supervisors, workers
}

// parentPid returns the parent of the process pid, or 0 when it is gone.
func parentPid(pid int) int {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// pid (comm) state ppid ...: comm may hold spaces and parentheses.
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(string(stat[i+1:]))
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// waitForSpares waits until the kernel whose pid is kernel has a spare
// supervisor and wantWorkers spare workers, and returns their pids. The
// kernel starts its spare workers side by side, so a snapshot taken
// before all of them are up may miss the one the next cell takes: wait
// for all.
func waitForSpares(t *testing.T, kernel, wantWorkers int) (supervisors, workers map[int]bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		supervisors, workers = spareProcesses(t, kernel)
		if len(supervisors) > 0 && len(workers) >= wantWorkers {
			return supervisors, workers
		}
		if time.Now().After(deadline) {
			t.Fatalf("the kernel has not %d spare workers and a supervisor after a minute: %v %v", wantWorkers, supervisors, workers)
		}
	}
}

// TestSpares: the kernel runs a cell in the processes it started ahead
// for it (the yaegi worker, the supervisor of a compiled program), and
// its spares end when it shuts down or is killed.
func TestSpares(t *testing.T) {
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		t.Skip("no /proc")
	}
	for _, how := range []string{"shutdown", "kernel SIGKILL"} {
		t.Run(how, func(t *testing.T) {
			k := startKernel(t, "tcp")
			waitForYaegi(t, func(code string) *client.Execution { return k.execWith(code, quiet()) })

			// A yaegi cell ran: the kernel keeps its full set of workers.
			_, workers := waitForSpares(t, k.cmd.Process.Pid, yaegiSpares)
			e := k.exec("fmt.Println(os.Getpid())")
			pid, _ := strconv.Atoi(strings.TrimSpace(stdout(e)))
			if engineOf(e) != "yaegi" || !workers[pid] {
				t.Errorf("the cell ran with %s in process %d; want yaegi in a spare worker, one of %v", engineOf(e), pid, workers)
			}
			supervisors, _ := waitForSpares(t, k.cmd.Process.Pid, yaegiSpares)
			e = k.exec("%engine go\nfmt.Println(os.Getppid())")
			lines := strings.Split(strings.TrimSpace(stdout(e)), "\n") // after %engine's
			ppid, _ := strconv.Atoi(lines[len(lines)-1])
			if engineOf(e) != "go" || !supervisors[ppid] {
				t.Errorf("the cell ran with %s under process %d; want the compiler, under a spare supervisor, one of %v", engineOf(e), ppid, supervisors)
			}

			supervisors, workers = waitForSpares(t, k.cmd.Process.Pid, yaegiSpares)
			if how == "shutdown" {
				k.stop()
			} else {
				k.cmd.Process.Kill()
				k.done <- <-k.done // still there for the cleanup's stop
			}
			for pid := range supervisors {
				workers[pid] = true
			}
			for pid := range workers {
				if !processGone(pid, 10*time.Second) {
					t.Errorf("spare process %d outlived the kernel's %s", pid, how)
				}
			}
		})
	}
}

// TestSparesStartAfterTheFirstAnswer: a kernel starts its first cell's
// processes (and the editor's warm-up) once it has answered the first
// request, and not before, so that they do not slow that answer down;
// no cell is needed for them to start.
func TestSparesStartAfterTheFirstAnswer(t *testing.T) {
	if _, err := os.Stat("/proc/self/cmdline"); err != nil {
		t.Skip("no /proc")
	}
	k := startKernel(t, "tcp", "GOKERNEL_DEBUG=1") // asks for kernel_info
	waitForSpares(t, k.cmd.Process.Pid, 0)
	log := k.stderr.String()
	const started = "starting the first cell's processes"
	if n := strings.Count(log, started); n != 1 {
		t.Fatalf("the kernel logged %q %d times, want once; log:\n%s", started, n, log)
	}
	bg := strings.Index(log, started)
	line, _, _ := strings.Cut(log[bg:], "\n")
	// Unless the client took longer than the kernel waits for a first
	// request, the work starts after kernel_info is answered.
	req := strings.Index(log, "type=kernel_info_request")
	if !strings.Contains(line, "after=kernel_info_reply") && !strings.Contains(line, "no request") {
		t.Errorf("background work started %q; want after the kernel_info reply", line)
	}
	if strings.Contains(line, "after=kernel_info_reply") && (req < 0 || req > bg) {
		t.Errorf("background work logged before the kernel_info request; log:\n%s", log)
	}
}
