//go:build !linux

package runner

import (
	"os"
	"syscall"
)

const canWatchStdin = false

func processAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func supervisorAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func signalGroup(pid int, sig syscall.Signal) {
	syscall.Kill(-pid, sig)
}

func readingEmptyStdin(int, *os.File) bool { return false }

// processStart is unknown here: owner records hold the pid only.
func processStart(int) (string, bool) { return "", false }

// processExists reports whether a process with this pid exists.
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
