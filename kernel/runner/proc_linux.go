package runner

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

// canWatchStdin reports whether this system lets the kernel see that a
// program waits on its standard input.
const canWatchStdin = true

func processAttr() *syscall.SysProcAttr {
	// A process group of its own, so an interrupt reaches everything the
	// program started; and death with the kernel, so no cell outlives it.
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// supervisorAttr starts a supervisor: SIGTERM when the kernel dies, which
// it answers by killing the program and all its descendants.
func supervisorAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// programAttr starts a program under a supervisor: its own process group,
// and death with the supervisor.
func programAttr() *syscall.SysProcAttr { return processAttr() }

// becomeSubreaper makes orphaned descendants of this process its children
// instead of init's, so the supervisor can find and kill them.
func becomeSubreaper() {
	syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
}

// prSetChildSubreaper is prctl's PR_SET_CHILD_SUBREAPER.
const prSetChildSubreaper = 36

// killDescendants kills the process group pgid and every descendant of
// this process, and reaps them, until none is left (at most 2 seconds).
func killDescendants(pgid int) {
	syscall.Kill(-pgid, syscall.SIGKILL)
	self := os.Getpid()
	deadline := time.Now().Add(2 * time.Second)
	for {
		// As a subreaper, this process is the parent of every orphaned
		// descendant: without children, it has no descendants, and the
		// scan of /proc is skipped (the usual case).
		if reapChildren() {
			return
		}
		// A child is left. The scan may see no descendant at all for a
		// moment (a process that is exiting has no readable /proc entry
		// while its children are not yet handed to this subreaper), so
		// only the children running out ends the loop, or the deadline.
		for _, pid := range descendants(self) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		if time.Now().After(deadline) {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// reapChildren waits for every child that has ended, and reports whether
// no child is left.
func reapChildren() (none bool) {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.ECHILD {
			return true
		}
		if pid <= 0 || err != nil {
			return false
		}
	}
}

// descendants returns the live (not zombie) descendants of pid, from /proc.
func descendants(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 || f[0] == "Z" {
			continue
		}
		ppid, err := strconv.Atoi(f[1])
		if err != nil {
			continue
		}
		children[ppid] = append(children[ppid], p)
	}
	var out []int
	queue := children[pid]
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		out = append(out, p)
		queue = append(queue, children[p]...)
	}
	return out
}

func signalGroup(pid int, sig syscall.Signal) {
	syscall.Kill(-pid, sig)
}

// readSyscall is the number of read(2) on this architecture.
var readSyscall = map[string]string{"amd64": "0", "arm64": "63", "386": "3", "arm": "3", "riscv64": "63", "ppc64le": "3", "s390x": "3", "loong64": "63"}[runtime.GOARCH]

// readingEmptyStdin reports whether a thread of process pid is blocked in
// read(2) on file descriptor 0 while the pipe behind it holds no data.
func readingEmptyStdin(pid int, stdin *os.File) bool {
	if readSyscall == "" {
		return false
	}
	var n int32
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, stdin.Fd(), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n))); errno != 0 || n > 0 {
		return false
	}
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", pid))
	if err != nil {
		return false
	}
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) >= 2 && f[0] == readSyscall && f[1] == "0x0" {
			return true
		}
	}
	return false
}

// processStart returns when process pid started, in clock ticks since
// boot (field 22 of /proc/PID/stat), which tells a process from a later
// one that reuses its pid.
func processStart(pid int) (string, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return "", false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return "", false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return "", false
	}
	return f[19], true
}

// processExists reports whether a process with this pid exists.
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
