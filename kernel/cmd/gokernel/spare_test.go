package main_test

import (
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

// spareProcesses returns the live processes whose command line holds
// the spare marker, and whose first argument is the kernel's cell
// supervisor (waiting = true) or the yaegi worker (waiting = false), by
// pid: the kernel's spares of each kind.
func spareProcesses(t *testing.T) (supervisors, workers map[int]bool) {
	t.Helper()
	supervisors, workers = map[int]bool{}, map[int]bool{}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !strings.Contains(string(b), spareMarker) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(d))
		if processGone(pid, 0) {
			continue
		}
		args := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
		switch {
		case strings.Contains(filepath.Base(args[0]), "yaegi-worker"):
			workers[pid] = true
		case len(args) == 3 && args[2] == spareMarker:
			supervisors[pid] = true // waiting for its program
		}
	}
	return supervisors, workers
}

// waitForSpares waits until the kernel has a spare supervisor and
// wantWorkers spare workers, and returns their pids (all spares on the
// machine: the test's kernel is the only one it starts). The kernel
// starts its spare workers side by side, so a snapshot taken before all
// of them are up may miss the one the next cell takes: wait for all.
func waitForSpares(t *testing.T, wantWorkers int) (supervisors, workers map[int]bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		supervisors, workers = spareProcesses(t)
		if len(supervisors) > 0 && len(workers) >= wantWorkers {
			return supervisors, workers
		}
		if time.Now().After(deadline) {
			t.Fatalf("no spare supervisor and worker after a minute: %v %v", supervisors, workers)
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
			_, workers := waitForSpares(t, yaegiSpares)
			e := k.exec("fmt.Println(os.Getpid())")
			pid, _ := strconv.Atoi(strings.TrimSpace(stdout(e)))
			if engineOf(e) != "yaegi" || !workers[pid] {
				t.Errorf("the cell ran with %s in process %d; want yaegi in a spare worker, one of %v", engineOf(e), pid, workers)
			}
			supervisors, _ := waitForSpares(t, yaegiSpares)
			e = k.exec("%engine go\nfmt.Println(os.Getppid())")
			lines := strings.Split(strings.TrimSpace(stdout(e)), "\n") // after %engine's
			ppid, _ := strconv.Atoi(lines[len(lines)-1])
			if engineOf(e) != "go" || !supervisors[ppid] {
				t.Errorf("the cell ran with %s under process %d; want the compiler, under a spare supervisor, one of %v", engineOf(e), ppid, supervisors)
			}

			supervisors, workers = waitForSpares(t, yaegiSpares)
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
	kernelPid := k.cmd.Process.Pid
	for deadline := time.Now().Add(time.Minute); !hasSpareChild(kernelPid); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no spare process under the kernel a minute after kernel_info; kernel log:\n%s", k.stderr.String())
		}
	}
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

// hasSpareChild reports whether the process pid has a child that is a
// spare (see spareMarker).
func hasSpareChild(pid int) bool {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !strings.Contains(string(b), spareMarker) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces.
		i := strings.LastIndexByte(string(stat), ')')
		fields := strings.Fields(string(stat[i+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			return true
		}
	}
	return false
}
