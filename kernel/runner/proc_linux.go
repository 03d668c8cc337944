package runner

import (
	"bytes"
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

// supervisorAttr starts a supervisor: SIGTERM when the kernel dies, which
// it answers by killing the program and all its descendants.
func supervisorAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
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
