// Package procgroup runs commands in a process group of their own, so that
// ending a command ends what it started too: the go command's compile,
// asm and link children, a shell's pipeline. Killed alone, the go command
// leaves its children running, writing into TMPDIR after the kernel that
// started them has exited.
//
// It works on systems with process groups (Linux, macOS and the BSDs).
package procgroup

import (
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// groupGone is how long End waits for the processes of a group it
// killed to end.
const groupGone = 2 * time.Second

// Set makes cmd, not started yet, start in a process group of its own.
// For a command made with exec.CommandContext, the group is killed whole
// when the context ends. Call End after cmd.Wait (or Run, Output,
// CombinedOutput) returns.
func Set(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if cmd.Cancel == nil {
		return // exec.Command: no context, and Start refuses a Cancel
	}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}

// End kills what is left of the process group of cmd, started after Set
// and waited for, and waits until no process of it runs. After a go
// command that exited by itself, nothing is left.
func End(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	pgid := cmd.Process.Pid
	for deadline := time.Now().Add(groupGone); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		err := syscall.Kill(-pgid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) || err == nil && !groupRuns(pgid) {
			return
		}
	}
}

// groupRuns reports whether a process of group pgid runs, that is, is
// not a zombie waiting for its new parent to reap it. Where /proc cannot
// tell, it reports true.
func groupRuns(pgid int) bool {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return true
	}
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 2 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" && f[0] != "X" {
			return true
		}
	}
	return false
}

// Background lowers the scheduling priority of the process group of cmd,
// started after Set, to niceness 10: every process of the group and every
// thread of them, and so whatever they start later. A helper that loads
// packages in the background (gopls) then takes the processor only when
// the kernel and the cells it runs do not need it.
func Background(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return errors.New("procgroup: Background needs a started command")
	}
	return syscall.Setpriority(syscall.PRIO_PGRP, cmd.Process.Pid, backgroundNice)
}

// backgroundNice is the niceness Background gives.
const backgroundNice = 10
