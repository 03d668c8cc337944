package runner

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
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
