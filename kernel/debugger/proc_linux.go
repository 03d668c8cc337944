package debugger

import "syscall"

// processAttr puts dlv in a process group of its own and kills it when the
// kernel dies, so no debugger outlives the kernel.
func processAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
