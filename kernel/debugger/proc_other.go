//go:build !linux

package debugger

import "syscall"

// processAttr puts dlv in a process group of its own.
func processAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
