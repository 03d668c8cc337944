//go:build !linux

package supervise

import "syscall"

func programAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// becomeSubreaper does nothing: only Linux has child subreapers.
func becomeSubreaper() {}

// killDescendants kills the program's process group; without /proc and
// subreapers, processes that left the group cannot be found.
func killDescendants(pgid int) {
	syscall.Kill(-pgid, syscall.SIGKILL)
}
