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

func signalGroup(pid int, sig syscall.Signal) {
	syscall.Kill(-pid, sig)
}

func readingEmptyStdin(int, *os.File) bool { return false }
