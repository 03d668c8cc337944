package main_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"asyncgo/kernel/client"
	"asyncgo/kernel/jupyter"
)

// escapingCell starts a process in a process group of its own, prints its
// pid and the cell workspace, and then sleeps unless returns is set.
func escapingCell(returns bool) string {
	code := `import (
	"os/exec"
	"syscall"
)

cmd := exec.Command("sleep", "300")
cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
if err := cmd.Start(); err != nil {
	panic(err)
}
fmt.Println("escaped", cmd.Process.Pid, os.Getenv("GOKERNEL_WORKSPACE"))
`
	if !returns {
		code += "time.Sleep(time.Hour)\n"
	}
	return code
}

// parseEscaped reads the pid and workspace escapingCell printed.
func parseEscaped(text string) (pid int, workspace string, ok bool) {
	f := strings.Fields(text)
	if len(f) != 3 || f[0] != "escaped" {
		return 0, "", false
	}
	pid, err := strconv.Atoi(f[1])
	return pid, f[2], err == nil
}

// processGone waits up to d for process pid to end (a zombie has ended).
func processGone(pid int, d time.Duration) bool {
	for deadline := time.Now().Add(d); ; time.Sleep(10 * time.Millisecond) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return true
		}
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			if i := strings.LastIndexByte(string(b), ')'); i > 0 && strings.HasPrefix(string(b[i+1:]), " Z") {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// TestNothingOutlivesACell: a process a cell started in a process group
// of its own ends when the cell returns, is interrupted, when the kernel
// shuts down, and when the kernel is killed with SIGKILL. The workspace a
// killed kernel leaves is removed by the next kernel that starts.
func TestNothingOutlivesACell(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"return", "interrupt", "shutdown", "kernel SIGKILL"} {
		t.Run(how, func(t *testing.T) {
			tmp := t.TempDir()
			k := startKernel(t, "tcp", "TMPDIR="+tmp)
			var pid int
			var workspace string
			if how == "return" {
				e := k.exec(escapingCell(true))
				var ok bool
				if pid, workspace, ok = parseEscaped(stdout(e)); !ok {
					t.Fatalf("cell printed %q", stdout(e))
				}
			} else {
				wait := k.execUntil(escapingCell(false), func(text string) bool {
					p, ws, ok := parseEscaped(text)
					if ok {
						pid, workspace = p, ws
					}
					return ok
				})
				switch how {
				case "interrupt":
					if err := k.c.Interrupt(context.Background()); err != nil {
						t.Fatal(err)
					}
					if e := wait(); e.EName != "Interrupted" {
						t.Errorf("ename %q, want Interrupted", e.EName)
					}
				case "shutdown":
					k.stop()
				case "kernel SIGKILL":
					k.cmd.Process.Kill()
					k.done <- <-k.done // still there for the cleanup's stop
				}
			}
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
			if !processGone(pid, 10*time.Second) {
				t.Errorf("the process the cell started in its own group (pid %d) is still running after %s", pid, how)
			}
			if how != "kernel SIGKILL" {
				return
			}
			if _, err := os.Stat(workspace); err != nil {
				t.Fatalf("the killed kernel's workspace: %v", err)
			}
			// With delve installed, the kernel's debugger also keeps a
			// directory of cell files.
			left, _ := filepath.Glob(filepath.Join(tmp, "gokernel-cells-*"))
			next := startKernel(t, "tcp", "TMPDIR="+tmp)
			for _, dir := range append(left, workspace) {
				if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("the next kernel left the dead kernel's %s: %v", dir, err)
				}
			}
			// It keeps its own, and those of live kernels.
			e := next.exec(`fmt.Println(os.Getenv("GOKERNEL_WORKSPACE"))`)
			other := startKernel(t, "tcp", "TMPDIR="+tmp)
			other.exec(`fmt.Println("ok")`)
			if _, err := os.Stat(strings.TrimSpace(stdout(e))); err != nil {
				t.Errorf("a kernel starting removed a live kernel's workspace: %v", err)
			}
		})
	}
}

// TestKernelExitsWithItsParent: when the process that started the kernel
// is killed (SIGKILL), or the client named by JPY_PARENT_PID ends, the
// kernel stops its running cell, removes its workspace and exits within
// two seconds.
func TestKernelExitsWithItsParent(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"parent killed", "JPY_PARENT_PID ended"} {
		t.Run(how, func(t *testing.T) {
			info, err := jupyter.NewConnectionInfo("tcp")
			if err != nil {
				t.Fatal(err)
			}
			connFile := filepath.Join(t.TempDir(), "kernel.json")
			if err := info.WriteFile(connFile); err != nil {
				t.Fatal(err)
			}
			// The parent: a shell that starts the kernel and waits, or a
			// process that only lives, named by JPY_PARENT_PID.
			var parent, kproc *exec.Cmd
			stderr := &lockedBuffer{}
			if how == "parent killed" {
				parent = exec.Command("sh", "-c", `"$0" kernel --connection-file "$1" & echo $!; wait`, gokernelBin, connFile)
				parent.Stderr = stderr
				out, err := parent.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				if err := parent.Start(); err != nil {
					t.Fatal(err)
				}
				var pid int
				if _, err := fmt.Fscan(out, &pid); err != nil {
					t.Fatal(err)
				}
				kproc = &exec.Cmd{Process: &os.Process{Pid: pid}}
			} else {
				parent = exec.Command("sleep", "300")
				if err := parent.Start(); err != nil {
					t.Fatal(err)
				}
				kproc = exec.Command(gokernelBin, "kernel", "--connection-file", connFile)
				kproc.Env = append(os.Environ(), fmt.Sprintf("JPY_PARENT_PID=%d", parent.Process.Pid))
				kproc.Stderr = stderr
				if err := kproc.Start(); err != nil {
					t.Fatal(err)
				}
				go kproc.Wait()
			}
			t.Cleanup(func() {
				parent.Process.Kill()
				parent.Wait()
				syscall.Kill(kproc.Process.Pid, syscall.SIGKILL)
			})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := client.Dial(ctx, info, client.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.WaitReady(ctx); err != nil {
				t.Fatalf("kernel not ready: %v\n%s", err, stderr.String())
			}
			k := &kernel{t: t, info: info, c: c, stderr: stderr}
			var pid int
			var workspace string
			k.execUntil(escapingCell(false), func(text string) bool {
				p, ws, ok := parseEscaped(text)
				if ok {
					pid, workspace = p, ws
				}
				return ok
			})
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })

			parent.Process.Kill()
			killed := time.Now()
			parent.Wait()
			if !processGone(kproc.Process.Pid, 5*time.Second) {
				t.Fatalf("the kernel is still running 5s after its parent died\nkernel log:\n%s", stderr.String())
			}
			// The goal is 2 seconds (a poll every 250 ms, then the cell's
			// interrupt); the figure is logged, not asserted, as the
			// machine may be loaded.
			t.Logf("the kernel exited %v after its parent was killed", time.Since(killed).Round(time.Millisecond))
			if !processGone(pid, 2*time.Second) {
				t.Errorf("the cell's process %d outlived the kernel", pid)
			}
			if _, err := os.Stat(workspace); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the kernel left its workspace %s: %v", workspace, err)
			}
		})
	}
}

// markedProcesses lists the running processes (not zombies) whose
// environment holds mark, except the telemetry sidecar of gopls, which
// golang.org/x/telemetry starts in a session of its own on purpose, to
// outlive gopls.
func markedProcesses(mark string) []string {
	var found []string
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", d.Name(), "environ"))
		if err != nil || !slices.Contains(strings.Split(string(env), "\x00"), mark) ||
			slices.Contains(strings.Split(string(env), "\x00"), "GO_TELEMETRY_CHILD=1") {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat")); err == nil {
			if i := strings.LastIndexByte(string(stat), ')'); i > 0 && strings.HasPrefix(string(stat[i+1:]), " Z") {
				continue
			}
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		found = append(found, d.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
	}
	return found
}

// TestNothingOutlivesTheKernel: when a kernel shuts down while the go
// commands it started as it began are still at work (the editor's type
// checker loading export data, here with an empty build cache, so that
// they compile the standard library), none of their processes is left
// running once the kernel has exited.
func TestNothingOutlivesTheKernel(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/environ"); err != nil {
		t.Skip("finds the kernel's processes in /proc")
	}
	for i := range 3 {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			// Every process the kernel starts inherits its environment.
			mark := fmt.Sprintf("GOKERNEL_TEST_MARK=%d-%s-%d", os.Getpid(), t.Name(), i)
			k := startKernel(t, "tcp", mark, "TMPDIR="+t.TempDir(), "GOCACHE="+t.TempDir())
			time.Sleep(time.Duration(i+1) * 150 * time.Millisecond)
			k.stop()
			if left := markedProcesses(mark); len(left) > 0 {
				t.Errorf("after the kernel exited, processes it started still run:\n%s", strings.Join(left, "\n"))
			}
		})
	}
}
