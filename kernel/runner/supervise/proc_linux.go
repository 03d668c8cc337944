package supervise

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// programAttr starts the program: a process group of its own, so an
// interrupt reaches everything it started, and death with the supervisor.
func programAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

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
